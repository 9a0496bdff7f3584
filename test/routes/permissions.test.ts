import t from 'tap';
import { can, permissions, roles, type Permission } from '../../src/platform/permissions.js';
import { buildTestApp, Client, createUser } from '../helpers/app.js';

const examplePaths: Record<string, string> = { ':id': '1', ':token': 'a'.repeat(43), ':key': 'pending', ':kind': 'machines' };

function concretePath(url: string): string {
  return url.replace(/:[a-z]+/gi, (param) => examplePaths[param] ?? '1');
}

/** Kiosk pages answer to an enrolled tablet's credential only, never to a person's session. */
function isEnrolRedirect(response: { statusCode: number; headers: Record<string, unknown> }) {
  return response.statusCode === 303 && response.headers.location === '/kiosk/enrol';
}

function isLoginRedirect(response: { statusCode: number; headers: Record<string, unknown> }) {
  return response.statusCode === 303 && String(response.headers.location ?? '').startsWith('/login');
}

t.test('every route declares its access, and the permission table is enforced for every role', async (t) => {
  const { app, db } = await buildTestApp(t);
  // Something for :id routes to find: user 1 and mail message 1.
  await createUser(db, ['admin'], { email: 'first-admin@shop.test' });
  await db.insertInto('outbox').values({ idempotency_key: 'matrix', template: 'welcome', to_address: 'x@shop.test', data: '{}' }).execute();

  const routes = app.routeCatalog.filter((route) => route.method === 'GET' || route.method === 'POST');
  t.ok(routes.length >= 20, `the catalog lists the app's routes (${routes.length})`);
  t.same(routes.filter((route) => route.access === undefined), [], 'no route lacks an access declaration');
  for (const route of routes) {
    const access = route.access!;
    t.ok(access === 'public' || access === 'signed-in' || access === 'kiosk' || Object.hasOwn(permissions, access), `${route.method} ${route.url} uses a known permission (${access})`);
  }
  // Signing out ends the session the rest of the matrix needs, so it goes last.
  const ordered = [...routes].sort((a, b) => Number(a.url === '/logout') - Number(b.url === '/logout'));
  const staticAsset = (url: string) => url.startsWith('/assets/') || url.startsWith('/vendor/');

  for (const role of roles) {
    const user = await createUser(db, [role]);
    const client = new Client(app);
    t.equal((await client.signIn(user.email, user.password)).statusCode, 303, `${role} signs in`);
    for (const route of ordered) {
      if (staticAsset(route.url)) continue;
      const path = concretePath(route.url);
      const response = route.method === 'GET' ? await client.get(path) : await client.post(path, {});
      const access = route.access!;
      if (access === 'kiosk') {
        t.ok(isEnrolRedirect(response), `${role} cannot ${route.method} the kiosk route ${route.url} (got ${response.statusCode})`);
        continue;
      }
      const allowed = access === 'public' || access === 'signed-in' || can([role], access as Permission);
      if (access === 'public') {
        t.ok(response.statusCode !== 401 && response.statusCode !== 403, `${role} may ${route.method} ${route.url} (got ${response.statusCode})`);
      } else if (allowed) {
        t.ok(response.statusCode !== 403 && !isLoginRedirect(response), `${role} may ${route.method} ${route.url} (got ${response.statusCode})`);
      } else {
        t.equal(response.statusCode, 403, `${role} may not ${route.method} ${route.url}`);
        t.notMatch(response.body, /at .*\.ts:\d+/, 'the 403 page shows no internals');
      }
    }
  }

  const anonymous = new Client(app);
  await anonymous.get('/login');
  for (const route of ordered) {
    if (staticAsset(route.url) || route.access === 'public') continue;
    const path = concretePath(route.url);
    const response = route.method === 'GET' ? await anonymous.get(path) : await anonymous.post(path, {});
    if (route.access === 'kiosk') {
      t.ok(isEnrolRedirect(response), `anonymous ${route.method} ${route.url} goes to kiosk enrolment (got ${response.statusCode})`);
      continue;
    }
    t.ok(isLoginRedirect(response), `anonymous ${route.method} ${route.url} goes to sign-in (got ${response.statusCode})`);
  }
});

t.test('the permission table gives admins everything and each role only its share', async (t) => {
  for (const permission of Object.keys(permissions) as Permission[]) {
    t.ok(can(['admin'], permission), `admin has ${permission}`);
  }
  t.notOk(can(['installer'], 'users:manage'), 'installers cannot manage users');
  t.notOk(can(['sales', 'production'], 'mailbox:read'));
  t.notOk(can(['not-a-role'], 'dashboard:view'), 'unknown roles grant nothing');
  t.ok(can(['installer', 'admin'], 'settings:manage'), 'several roles add up');
});

t.test('htmx requests without a session are told where to sign in', async (t) => {
  const { app, db } = await buildTestApp(t);
  await createUser(db, ['admin']);
  const response = await app.inject({ method: 'GET', url: '/admin/users', headers: { 'hx-request': 'true' } });
  t.equal(response.statusCode, 401);
  t.equal(response.headers['hx-redirect'], '/login?next=%2Fadmin%2Fusers');
});
