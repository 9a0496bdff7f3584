// Local profiling harness (not committed): builds/reuses traveler_bench, runs one path under load.
import { fork } from 'node:child_process';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { hashSecret } from '../src/accounts/passwords.js';
import { createDb } from '../src/db/database.js';
import { freePort } from '../src/db/embedded.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { benchOrders, buildLargeShop, itemsPerOrder } from './bench-data.js';

const serverUrl = process.env.TEST_DATABASE_URL!;
const urlFor = (name: string) => Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
const admin = new pg.Client({ connectionString: urlFor('postgres') });
await admin.connect();
const exists = (await admin.query(`select 1 from pg_database where datname = 'traveler_bench'`)).rowCount === 1;
if (!exists) await admin.query('create database traveler_bench');
await admin.end();
const db = createDb(urlFor('traveler_bench'), 20);
await migrateToLatest(db);
const count = await sql<{ n: number }>`select count(*)::int as n from line_items`.execute(db).then((r) => r.rows[0]!.n);
if (count !== benchOrders * itemsPerOrder) {
  console.log('building…');
  await buildLargeShop(db, console.log);
}
const password = 'bench password 123';
let user = await db.selectFrom('users').select('id').where('email', '=', 'bench@bench.test').executeTakeFirst();
if (!user) {
  user = await db.insertInto('users').values({ name: 'Bench Admin', email: 'bench@bench.test', password_hash: await hashSecret(password), updated_at: new Date() }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('user_roles').values([{ user_id: user.id, role: 'admin' }, { user_id: user.id, role: 'production' }]).execute();
}
if (process.env.PROF_BUILD_ONLY) { await db.destroy(); process.exit(0); }
const port = await freePort();
const baseUrl = `http://127.0.0.1:${port}`;
const app = await buildApp({ config: { nodeEnv: 'production', databaseUrl: urlFor('traveler_bench'), host: '127.0.0.1', port, baseUrl, sessionSecret: 'bench-session-secret-0123456789-0123456789', smtpUrl: undefined, mailFrom: 'B <b@b.test>', shopTimezone: 'UTC', dataDir: '/nonexistent', logLevel: 'warn', trustProxy: false, preparedStatements: true }, db });
await app.listen({ host: '127.0.0.1', port });
const cookieOf = (response: Response) => (response.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
const loginPage = await fetch(`${baseUrl}/login`);
const token = (await loginPage.text()).match(/name="_csrf" value="([^"]+)"/)![1]!;
const login = await fetch(`${baseUrl}/login`, { method: 'POST', redirect: 'manual', headers: { cookie: cookieOf(loginPage), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email: 'bench@bench.test', password, _csrf: token }).toString() });
const cookie = cookieOf(login);
let path = process.env.PROF_PATH ?? '/orders';
if (path === 'ORDER') {
  const order = await db.selectFrom('orders').select('id').where('status', '=', 'in_production').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  path = `/orders/${order.id}`;
}
const check = await fetch(`${baseUrl}${path}`, { headers: { cookie } });
console.log(path, check.status, (await check.text()).length, 'bytes');
const seconds = Number(process.env.PROF_SECONDS ?? 8);
for (const run of [1, 2]) {
  const loader = fork(new URL('./bench-load.mjs', import.meta.url), { stdio: 'inherit' });
  loader.send({ url: `${baseUrl}${path}`, connections: 10, duration: run === 1 ? 2 : seconds, headers: { cookie } });
  const result = await new Promise((resolve) => loader.once('message', resolve));
  if (run === 2) console.log(JSON.stringify(result));
}
await app.close();
await db.destroy();
