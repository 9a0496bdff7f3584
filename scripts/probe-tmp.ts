import { buildApp } from '../src/app.js';
import { createDb } from '../src/db/database.js';
import { hashSecret } from '../src/accounts/passwords.js';
const db = createDb('postgres://postgres@127.0.0.1:5432/traveler_bench', 20);
const app = await buildApp({ config: { nodeEnv: 'production', databaseUrl: 'x', host: '127.0.0.1', port: 3300, baseUrl: 'http://x', sessionSecret: 'x'.repeat(40), smtpUrl: undefined, mailFrom: 'a@b.c', shopTimezone: 'UTC', dataDir: '/x', logLevel: 'warn', trustProxy: false }, db });
await app.ready();
const login = await app.inject('/login');
const cookie0 = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
const csrf = login.body.match(/name="_csrf" value="([^"]+)"/)![1]!;
const res = await app.inject({ method: 'POST', url: '/login', headers: { cookie: cookie0, 'content-type': 'application/x-www-form-urlencoded' }, payload: `email=bench%40bench.test&password=bench+password+123&_csrf=${encodeURIComponent(csrf)}` });
const cookie = res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
for (let round = 0; round < 2; round++) {
  const t0 = performance.now();
  for (let i = 0; i < 50; i++) await app.inject({ url: '/queues/pending', headers: { cookie } });
  console.log('page avg', ((performance.now() - t0) / 50).toFixed(2), 'ms');
}
const { renderView } = await import('../src/platform/views.js');
console.log((await app.inject({ url: '/queues/pending', headers: { cookie } })).body.length, 'bytes');
await app.close(); await db.destroy();
