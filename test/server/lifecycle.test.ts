import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import t from 'tap';
import { freePort } from '../../src/db/embedded.js';
import { startTraveler } from '../../src/lifecycle.js';
import { projectRoot } from '../../src/paths.js';
import { NoQuery } from '../../src/platform/schemas.js';
import { testConfig } from '../helpers/app.js';
import { freshDatabase } from '../helpers/database.js';

async function waitForReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} was not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

t.test('graceful shutdown lets a request in flight finish, then stops listening', async (t) => {
  const { url } = await freshDatabase(t);
  const port = await freePort();
  const traveler = await startTraveler(testConfig({ databaseUrl: url, port }), pino({ level: 'silent' }), { listen: false });
  traveler.app.get('/slow', { config: { access: 'public', allowBeforeSetup: true }, schema: { querystring: NoQuery } }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 400));
    return { finished: true };
  });
  await traveler.app.listen({ host: '127.0.0.1', port });

  const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const stopping = traveler.stop();
  const response = await inFlight;
  t.equal(response.status, 200, 'the request in flight completed');
  t.same(await response.json(), { finished: true });
  await stopping;
  await t.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'no longer accepting connections');
});

t.test('the server process on the embedded database: ready, then a clean stop on SIGTERM', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'traveler-server-'));
  chmodSync(dataDir, 0o755);
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'development' };
  delete env.DATABASE_URL;
  delete env.SESSION_SECRET;
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'src/server.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  await waitForReady(`http://127.0.0.1:${port}/readyz`, 60_000);
  const setup = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' });
  t.equal(setup.headers.get('location'), '/setup', 'a fresh shop opens on the setup page');
  t.ok(existsSync(join(dataDir, 'postgres', 'cluster', 'postmaster.pid')), 'the embedded PostgreSQL runs under DATA_DIR');
  t.ok(existsSync(join(dataDir, 'session-secret')), 'a session secret was generated and kept');

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'exit code 0 after SIGTERM');
  t.notOk(existsSync(join(dataDir, 'postgres', 'cluster', 'postmaster.pid')), 'the embedded PostgreSQL was shut down cleanly');
  t.match(output, /"msg":"stopped"/);
});

t.test('a bad configuration stops the server with one message per problem', async (t) => {
  const env = { ...process.env, PORT: 'abc', SHOP_TIMEZONE: 'Nowhere/Town', NODE_ENV: 'development' };
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'src/server.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.equal(code, 1);
  t.match(stderr, /Traveler cannot start\. Invalid configuration:/);
  t.match(stderr, /- PORT must be a whole number from 1 to 65535 \(got "abc"\)/);
  t.match(stderr, /- SHOP_TIMEZONE must be an IANA time zone/);
});
