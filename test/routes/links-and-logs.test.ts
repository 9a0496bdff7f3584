import { sql } from 'kysely';
import t from 'tap';
import { issueToken } from '../../src/platform/tokens.js';
import { orderStatusPurpose } from '../../src/notifications/customer-updates.js';
import { buildTestApp, Client, signedInClient } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

t.test('deactivating a person kills their emailed links, for good', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client: admin } = await signedInClient(app, db, ['admin']);
  await admin.get('/admin/users/new');
  const added = await admin.post('/admin/users', { name: 'Ivy Installer', email: 'ivy@shop.test', roles: 'installer', password: '' });
  t.equal(added.statusCode, 303);
  const person = await db.selectFrom('users').select(['id', 'version']).where('email', '=', 'ivy@shop.test').executeTakeFirstOrThrow();
  await app.mail.idle();
  const welcome = await db.selectFrom('outbox').select('text_body').where('template', '=', 'welcome').executeTakeFirstOrThrow();
  const welcomePath = welcome.text_body!.match(/\/password-reset\/[A-Za-z0-9_-]+/)![0];

  const edit = await admin.get(`/admin/users/${person.id}`);
  const version = edit.body.match(/name="version" value="(\d+)"/)![1]!;
  const deactivated = await admin.post(`/admin/users/${person.id}`, { name: 'Ivy Installer', email: 'ivy@shop.test', roles: 'installer', version });
  t.equal(deactivated.statusCode, 303, 'deactivated');

  const visitor = new Client(app);
  await visitor.get('/login');
  t.equal((await visitor.get(welcomePath)).statusCode, 404, 'the welcome link no longer opens');
  const posted = await visitor.post(welcomePath, { password: 'a password I chose' });
  t.equal(posted.statusCode, 404, 'nor can it set a password');
  const stored = await db.selectFrom('users').select('password_hash').where('id', '=', person.id).executeTakeFirstOrThrow();

  const again = await admin.get(`/admin/users/${person.id}`);
  await admin.post(`/admin/users/${person.id}`, { name: 'Ivy Installer', email: 'ivy@shop.test', roles: 'installer', active: '1', version: again.body.match(/name="version" value="(\d+)"/)![1]! });
  const later = new Client(app);
  await later.get('/login');
  t.equal((await later.get(welcomePath)).statusCode, 404, 'reactivation does not bring the old link back');
  t.equal((await later.post(welcomePath, { password: 'a password I chose' })).statusCode, 404);
  const after = await db.selectFrom('users').select('password_hash').where('id', '=', person.id).executeTakeFirstOrThrow();
  t.equal(after.password_hash, stored.password_hash, 'the password was never set through the dead link');
  const revoked = await db.selectFrom('access_tokens').select('revoked_at').where('subject_type', '=', 'user').where('subject_id', '=', person.id).execute();
  t.ok(revoked.length > 0 && revoked.every((row) => row.revoked_at !== null), 'every link of theirs is marked revoked');
});

t.test('tokens stay out of the logs whatever follows them', async (t) => {
  const lines: string[] = [];
  const { app, db } = await buildTestApp(t, { config: { logLevel: 'info' }, logStream: { write: (line: string) => lines.push(line) } });
  await seedShop(db);
  const token = 'Tk9'.repeat(15);
  const visitor = new Client(app);
  for (const path of [`/status/${token}.`, `/status/${token})`, `/status/${token}%2F`, `/status/${token}%00`, `/status/${token}/more`, `/password-reset/${token}.`, `/kiosk/enrol/${token}%2F`, `/nowhere/${token}`]) {
    const response = await visitor.get(path);
    t.ok(response.statusCode < 500, `${path.replace(token, '<token>')} answered ${response.statusCode}`);
  }
  const log = lines.join('');
  t.notMatch(log, new RegExp(token.slice(0, 24)), 'no part of the token is logged');
  t.match(log, /"url":"\/status\/\[token\]"/, 'a token route is logged as its pattern');
});

t.test('a status link that does not work says why', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{}]);
  const visitor = new Client(app);

  const forged = await visitor.get(`/status/${'x'.repeat(43)}`);
  t.equal(forged.statusCode, 404);
  t.match(forged.body, /This link is not valid/, 'a forged link is called not valid');
  t.notMatch(forged.body, /expired/);

  const { token: old } = await issueToken(db, { purpose: orderStatusPurpose, subjectType: 'order', subjectId: order.id, lifetimeMs: 60_000, createdBy: null });
  await db.updateTable('access_tokens').set({ expires_at: sql<Date>`now() - interval '1 day'` }).execute();
  const expired = await visitor.get(`/status/${old}`);
  t.equal(expired.statusCode, 410);
  t.match(expired.body, /This link has expired/);

  const { token: withdrawn } = await issueToken(db, { purpose: orderStatusPurpose, subjectType: 'order', subjectId: order.id, lifetimeMs: 60_000, createdBy: null });
  await db.updateTable('access_tokens').set({ revoked_at: sql<Date>`now()` }).where('expires_at', '>', sql<Date>`now()`).execute();
  const revoked = await visitor.get(`/status/${withdrawn}`);
  t.equal(revoked.statusCode, 410);
  t.match(revoked.body, /This link no longer works/);

  const { token: good } = await issueToken(db, { purpose: orderStatusPurpose, subjectType: 'order', subjectId: order.id, lifetimeMs: 60_000, createdBy: null });
  const page = await visitor.get(`/status/${good}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, new RegExp(`Order ${order.number}`));
});
