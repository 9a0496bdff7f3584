import t from 'tap';
import { buildTestApp, Client, createUser, defaultPassword, signedInClient } from '../helpers/app.js';

t.test('first run: every page leads to setup, which creates the first admin', async (t) => {
  const { app, db } = await buildTestApp(t);
  const client = new Client(app);

  for (const url of ['/', '/login', '/admin/users']) {
    const response = await client.get(url);
    t.equal(response.statusCode, 303, `${url} redirects`);
    t.equal(response.headers.location, '/setup');
  }

  const setupPage = await client.get('/setup');
  t.equal(setupPage.statusCode, 200);
  t.match(setupPage.body, /Set up Traveler/);

  const invalid = await client.post('/setup', { shopName: 'Acme Signs', name: '', email: 'not-an-email', password: 'short' });
  t.equal(invalid.statusCode, 422, 'bad input is refused with 422');
  t.match(invalid.body, /id="field-name-error"[^>]*>Enter the person’s name\./, 'message beside the name field');
  t.match(invalid.body, /id="field-email-error"[^>]*>Enter an email address like name@example\.com\./);
  t.match(invalid.body, /id="field-password-error"[^>]*>Use at least 10 characters\./);
  t.match(invalid.body, /name="shopName" type="text" value="Acme Signs"/, 'what was typed is kept');
  t.match(invalid.body, /value="not-an-email"/);
  t.equal((await db.selectFrom('users').select('id').execute()).length, 0, 'no user was created');

  const created = await client.post('/setup', { shopName: 'Acme Signs', name: 'Ada Admin', email: 'ada@acme.test', password: defaultPassword });
  t.equal(created.statusCode, 303);
  t.equal(created.headers.location, '/');

  const dashboard = await client.get('/');
  t.equal(dashboard.statusCode, 200, 'signed in straight after setup');
  t.match(dashboard.body, /Hello, Ada Admin/);
  t.match(dashboard.body, /Acme Signs/, 'the shop name is shown');

  const user = await db.selectFrom('users').select(['id', 'password_hash']).executeTakeFirstOrThrow();
  t.match(user.password_hash, /^\$argon2id\$/, 'password stored as an argon2id hash');
  const roles = await db.selectFrom('user_roles').select('role').where('user_id', '=', user.id).execute();
  t.same(roles.map((r) => r.role), ['admin']);
  const event = await db.selectFrom('events').selectAll().where('subject_type', '=', 'user').executeTakeFirstOrThrow();
  t.equal(event.action, 'created');
  t.equal(event.actor_user_id, user.id);

  const again = await new Client(app).get('/setup');
  t.equal(again.statusCode, 303, 'setup is closed once a user exists');
  t.equal(again.headers.location, '/login');
  const second = new Client(app);
  await second.get('/login');
  const secondSetup = await second.post('/setup', { shopName: 'Evil', name: 'Mallory', email: 'm@evil.test', password: defaultPassword });
  t.equal(secondSetup.statusCode, 409, 'a second setup is refused');
  t.equal((await db.selectFrom('users').select('id').execute()).length, 1);
});

t.test('sign in, wrong password, sign out', async (t) => {
  const { app, db } = await buildTestApp(t);
  const user = await createUser(db, ['sales'], { email: 'sam@acme.test' });
  const client = new Client(app);

  const protectedPage = await client.get('/account');
  t.equal(protectedPage.statusCode, 303);
  t.equal(protectedPage.headers.location, '/login?next=%2Faccount');

  await client.get('/login');
  const wrong = await client.post('/login', { email: 'sam@acme.test', password: 'not the password' });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, /That email and password do not match an active account\./);
  t.match(wrong.body, /value="sam@acme\.test"/, 'email kept');
  t.notMatch(wrong.body, /not the password/, 'the password is never echoed');

  const unknown = await client.post('/login', { email: 'nobody@acme.test', password: defaultPassword });
  t.equal(unknown.statusCode, 422, 'unknown email gets the same answer');
  t.match(unknown.body, /That email and password do not match an active account\./);

  const before = client.cookieHeader;
  const ok = await client.post('/login', { email: 'SAM@acme.test', password: defaultPassword, next: '/account' });
  t.equal(ok.statusCode, 303, 'email is case-insensitive');
  t.equal(ok.headers.location, '/account', 'goes back where the user was headed');
  t.not(client.cookieHeader, before, 'the session id changes on sign-in');

  const account = await client.get('/account');
  t.equal(account.statusCode, 200);
  t.match(account.body, /sam@acme\.test/);

  const signOut = await client.post('/logout');
  t.equal(signOut.statusCode, 303);
  t.equal(signOut.headers.location, '/login');
  const after = await client.get('/account');
  t.equal(after.statusCode, 303, 'signed out');
  t.equal((await db.selectFrom('sessions').select('user_id').where('user_id', '=', user.id).execute()).length, 0, 'session row deleted');
});

t.test('a next path pointing at another site is ignored', async (t) => {
  const { app, db } = await buildTestApp(t);
  const user = await createUser(db, ['sales']);
  const client = new Client(app);
  await client.get('/login');
  const response = await client.post('/login', { email: user.email, password: user.password, next: '//evil.example/phish' });
  t.equal(response.headers.location, '/');
});

t.test('a deactivated user cannot sign in and loses open sessions at once', async (t) => {
  const { app, db } = await buildTestApp(t);
  const user = await createUser(db, ['production'], { name: 'Dee Activated' });
  const client = new Client(app);
  t.equal((await client.signIn(user.email)).statusCode, 303);
  t.equal((await client.get('/')).statusCode, 200);
  const { client: admin } = await signedInClient(app, db, ['admin']);
  const form = await admin.get(`/admin/users/${user.id}`);
  const version = form.body.match(/name="version" value="(\d+)"/)![1]!;
  t.equal((await admin.post(`/admin/users/${user.id}`, { name: 'Dee Activated', email: user.email, roles: 'production', version })).statusCode, 303);
  t.equal((await client.get('/')).statusCode, 303, 'the open session no longer works');
  const again = await new Client(app).signIn(user.email);
  t.equal(again.statusCode, 422);
});

t.test('a deactivation made by another app instance applies within the session cache time', async (t) => {
  const { app, db } = await buildTestApp(t, { sessionCacheMs: 300 });
  const user = await createUser(db, ['production']);
  const client = new Client(app);
  await client.signIn(user.email);
  t.equal((await client.get('/')).statusCode, 200);
  await db.updateTable('users').set({ active: false }).where('id', '=', user.id).execute();
  await new Promise((resolve) => setTimeout(resolve, 350));
  t.equal((await client.get('/')).statusCode, 303, 'signed out once the cached session expired');
});

t.test('sign-in attempts are rate limited', async (t) => {
  const { app, db } = await buildTestApp(t);
  const user = await createUser(db, ['sales']);
  const client = new Client(app);
  await client.get('/login');
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 6; attempt++) {
    statuses.push((await client.post('/login', { email: user.email, password: `wrong ${attempt}` })).statusCode);
  }
  t.same(statuses, [422, 422, 422, 422, 422, 429], 'the sixth try within five minutes is refused');
  const blocked = await client.post('/login', { email: user.email, password: user.password });
  t.equal(blocked.statusCode, 429, 'even the right password waits');
  t.match(blocked.body, /Too many failed sign-ins for this account\. Wait 5 minutes/, 'saying how long');
  const otherAccount = await createUser(db, ['sales']);
  t.equal((await client.post('/login', { email: otherAccount.email, password: otherAccount.password })).statusCode, 303, 'other accounts are unaffected');

  const shared = await createUser(db, ['production']);
  for (let day = 0; day < 8; day++) {
    const desk = new Client(app);
    t.equal((await desk.signIn(shared.email, shared.password)).statusCode, 303, `a shared office computer signs the same person in again (${day + 1})`);
  }
});

t.test('the first-run page can start the shop with demo data', async (t) => {
  const { app, db } = await buildTestApp(t);
  const client = new Client(app);
  await client.get('/setup');
  const response = await client.post('/setup', { shopName: 'Trial Signs', name: 'Tess Trial', email: 'tess@trial.test', password: defaultPassword, demo: '1' });
  t.equal(response.statusCode, 303);
  const dashboard = await client.get('/');
  const told = dashboard.body.match(/Your shop is filled with demo data: (\d+) orders/);
  t.ok(told, 'the dashboard says what the demo data is');
  const orders = await db.selectFrom('orders').select('id').execute();
  t.ok(orders.length >= 200, 'two hundred orders, and a few waiting for approval');
  t.equal(orders.length, Number(told?.[1]), 'as many as it says');
  const queue = await client.get('/queues/pending');
  t.equal(queue.statusCode, 200, 'the new admin can open the queues');
  t.match(queue.body, /class="item-label"/);
  const owner = await db.selectFrom('users').select('last_login_at').where('email', '=', 'tess@trial.test').executeTakeFirstOrThrow();
  t.ok(owner.last_login_at, 'signing in through the setup page counts as a sign-in');
});
