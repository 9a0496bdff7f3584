import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as pause } from 'node:timers/promises';
import type { Test } from 'tap';
import { freePort } from '../../src/db/embedded.js';
import { projectRoot } from '../../src/paths.js';

export interface ServerProcess {
  child: ChildProcess;
  baseUrl: string;
  output(): string;
  /** Resolves with the exit code once the process has ended (at once if it has). */
  exited: Promise<number | null>;
  alive(): boolean;
}

/** Polls `check` until it returns true, at most `timeoutMs`; a poll, not a fixed wait. */
export async function pollUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await pause(50);
  }
}

/** `node src/server.ts` as production runs it, on the given database, stopped with SIGTERM when the test ends. */
export async function startServerProcess(t: Test, databaseUrl: string, env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: `http://127.0.0.1:${port}`,
      SESSION_SECRET: 'a-session-secret-for-server-process-tests-0123456789',
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  t.teardown(async () => {
    if (!alive()) return;
    child.kill('SIGTERM');
    await exited;
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await pollUntil('the server answers /readyz', async () => {
    if (!alive()) throw new Error(`the server exited before it was ready:\n${output}`);
    return fetch(`${baseUrl}/readyz`).then((response) => response.status === 200, () => false);
  }, 60_000);
  return { child, baseUrl, output: () => output, exited, alive };
}

/** A browser-like session over fetch: keeps the session cookie and the latest CSRF token it saw. */
export class HttpSession {
  private cookies = new Map<string, string>();
  csrfToken = '';

  constructor(readonly baseUrl: string) {}

  private remember(response: Response, body: string): void {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, ...value] = pair!.split('=');
      this.cookies.set(name!.trim(), value.join('='));
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? /"x-csrf-token": "([^"]+)"/.exec(body)?.[1];
    if (token) this.csrfToken = token;
  }

  async request(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<{ status: number; body: string; location: string | null }> {
    const headers: Record<string, string> = { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
    let body: string | undefined;
    if (method === 'POST') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams({ ...form, _csrf: this.csrfToken }).toString();
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    const text = await response.text();
    this.remember(response, text);
    return { status: response.status, body: text, location: response.headers.get('location') };
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.request('GET', '/login');
    const response = await this.request('POST', '/login', { email, password });
    if (response.status !== 303) throw new Error(`sign-in failed with ${response.status}`);
    await this.request('GET', '/account');
  }
}
