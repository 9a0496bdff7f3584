import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { hashSecret } from '../../src/accounts/passwords.js';
import type { ReadyConfig } from '../../src/config.js';
import type { Db } from '../../src/db/database.js';
import type { Role } from '../../src/platform/permissions.js';
import { createTestDatabase } from './database.js';

interface TestContext {
  teardown(fn: () => unknown): void;
}

export function testConfig(overrides: Partial<ReadyConfig> = {}): ReadyConfig {
  return {
    nodeEnv: 'test',
    databaseUrl: undefined,
    host: '127.0.0.1',
    port: 0,
    baseUrl: 'http://traveler.test',
    sessionSecret: 'test-session-secret-that-is-long-enough-0123456789',
    smtpUrl: undefined,
    mailFrom: 'Traveler Test <traveler@test.example>',
    shopTimezone: 'America/Chicago',
    dataDir: '/nonexistent',
    logLevel: 'silent',
    trustProxy: false,
    preparedStatements: true,
    ...overrides,
  };
}

export interface TestApp {
  app: FastifyInstance;
  db: Db;
}

/** The real app on a fresh database of its own. */
export interface TestAppOptions {
  config?: Partial<ReadyConfig>;
  /** Routes a test adds before the app is ready. */
  beforeReady?: (app: FastifyInstance) => void;
  logStream?: { write(line: string): void };
  sessionCacheMs?: number;
  /** How often the app compares its workflows with the database's (0: on every request). */
  workflowCheckMs?: number;
}

export async function buildTestApp(t: TestContext, options: TestAppOptions = {}): Promise<TestApp> {
  const { beforeReady, logStream, sessionCacheMs, workflowCheckMs } = options;
  const { db, url, drop } = await createTestDatabase();
  const app = await buildApp({ config: testConfig({ databaseUrl: url, ...options.config }), db, logStream, sessionCacheMs, workflowCheckMs });
  // One teardown, in this order: the app finishes its background work before the database goes.
  t.teardown(async () => {
    await app.close();
    await drop();
  });
  beforeReady?.(app);
  await app.ready();
  return { app, db };
}

export const defaultPassword = 'correct horse battery';

let userCounter = 0;
export async function createUser(db: Db, roles: Role[], fields: { name?: string; email?: string; password?: string; active?: boolean } = {}) {
  userCounter += 1;
  const email = fields.email ?? `user${userCounter}-${roles.join('-') || 'none'}@shop.test`;
  const user = await db
    .insertInto('users')
    .values({
      name: fields.name ?? `Test ${roles.join(' ')} ${userCounter}`,
      email,
      password_hash: await hashSecret(fields.password ?? defaultPassword),
      active: fields.active ?? true,
      updated_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (roles.length > 0) await db.insertInto('user_roles').values(roles.map((role) => ({ user_id: user.id, role }))).execute();
  return { id: user.id, email, password: fields.password ?? defaultPassword };
}

const nonAsciiReference = /&#(\d+);/g;

/**
 * Pages write every non-ASCII character as a character reference (src/platform/views.ts); tests
 * read an HTML body's characters as a browser does. References to ASCII ("&#39;") stay as sent.
 */
export function readableHtml(html: string): string {
  return html.replace(nonAsciiReference, (reference, code: string) => (Number(code) >= 0x80 ? String.fromCodePoint(Number(code)) : reference));
}

/** A page's words, one space apart: what a person reads, for matching sentences across tags. */
export function textOf(html: string): string {
  return readableHtml(html).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
}

const tokenPatterns = [/name="_csrf" value="([^"]+)"/, /"x-csrf-token": "([^"]+)"/];

/** A browser-like client over app.inject: keeps cookies and the latest CSRF token it was given. */
export class Client {
  private cookies = new Map<string, string>();
  csrfToken: string | undefined;

  constructor(readonly app: FastifyInstance) {}

  private remember(response: LightMyRequestResponse): LightMyRequestResponse {
    for (const cookie of response.cookies) {
      if (cookie.value === '' || (cookie.expires && cookie.expires.getTime() < Date.now())) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    const contentType = String(response.headers['content-type'] ?? '');
    if (contentType.startsWith('text/html')) {
      response.body = readableHtml(response.body);
      for (const pattern of tokenPatterns) {
        const match = response.body.match(pattern);
        if (match) {
          this.csrfToken = match[1];
          break;
        }
      }
    }
    return response;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.remember(await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader, ...headers } }));
  }

  /** Posts a urlencoded form with the CSRF token (unless `csrf: false` or a token of its own is given). */
  async post(
    url: string,
    form: Record<string, string | string[]> = {},
    options: { csrf?: boolean | string; htmx?: boolean; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) for (const v of [value].flat()) params.append(key, v);
    const headers: Record<string, string> = { cookie: this.cookieHeader, 'content-type': 'application/x-www-form-urlencoded', ...options.headers };
    const token = typeof options.csrf === 'string' ? options.csrf : options.csrf === false ? undefined : this.csrfToken;
    if (token !== undefined) {
      if (options.htmx) headers['x-csrf-token'] = token;
      else params.append('_csrf', token);
    }
    if (options.htmx) headers['hx-request'] = 'true';
    return this.remember(await this.app.inject({ method: 'POST', url, headers, payload: params.toString() }));
  }

  /** Posts a multipart form as a browser's file input does: the CSRF token first, then the fields, then the file. */
  async upload(url: string, fields: Record<string, string>, file?: { name: string; field?: string; contentType?: string; data: Buffer }, options: { csrf?: boolean } = {}): Promise<LightMyRequestResponse> {
    const boundary = '----traveler-test-upload';
    const part = (name: string, value: string) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
    const parts: Buffer[] = [...(options.csrf === false || this.csrfToken === undefined ? [] : [part('_csrf', this.csrfToken)]), ...Object.entries(fields).map(([name, value]) => part(name, value))];
    if (file) {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.name}"\r\nContent-Type: ${file.contentType ?? 'application/octet-stream'}\r\n\r\n`), file.data, Buffer.from('\r\n'));
    }
    parts.push(Buffer.from(`--${boundary}--\r\n`));
    const headers = { cookie: this.cookieHeader, 'content-type': `multipart/form-data; boundary=${boundary}` };
    return this.remember(await this.app.inject({ method: 'POST', url, headers, payload: Buffer.concat(parts) }));
  }

  async signIn(email: string, password: string = defaultPassword): Promise<LightMyRequestResponse> {
    await this.get('/login');
    const response = await this.post('/login', { email, password });
    if (response.statusCode === 303) await this.get('/account');
    return response;
  }
}

export async function signedInClient(app: FastifyInstance, db: Db, roles: Role[]) {
  const user = await createUser(db, roles);
  const client = new Client(app);
  const response = await client.signIn(user.email, user.password);
  if (response.statusCode !== 303) throw new Error(`sign-in failed with ${response.statusCode}`);
  return { client, user };
}
