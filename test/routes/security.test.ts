import t from 'tap';
import { buildApp } from '../../src/app.js';
import { createDb } from '../../src/db/database.js';
import { NoQuery } from '../../src/platform/schemas.js';
import { buildTestApp, Client, signedInClient, testConfig } from '../helpers/app.js';

t.test('state changes without a valid CSRF token are refused and change nothing', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client } = await signedInClient(app, db, ['admin']);
  const settingsPage = await client.get('/admin/settings');
  const version = settingsPage.body.match(/name="version" value="(\d+)"/)![1]!;

  const missing = await client.post('/admin/settings', { shopName: 'Hijacked', replyToEmail: '', customerEmailsEnabled: '1', customerEmailDelaySeconds: '120', orderApproval: 'none', taxLabel: 'Sales tax', taxRate: '0', paymentTerms: '', archiveAfterDays: '30', salesSeeAllCustomers: '1', version }, { csrf: false });
  t.equal(missing.statusCode, 403, 'no token: 403');
  t.match(missing.body, /This form has expired or was sent from somewhere else/);

  const forged = await client.post('/admin/settings', { shopName: 'Hijacked', replyToEmail: '', customerEmailsEnabled: '1', customerEmailDelaySeconds: '120', orderApproval: 'none', taxLabel: 'Sales tax', taxRate: '0', paymentTerms: '', archiveAfterDays: '30', salesSeeAllCustomers: '1', version }, { csrf: 'forged-token' });
  t.equal(forged.statusCode, 403, 'wrong token: 403');

  const otherSession = new Client(app);
  await otherSession.get('/login');
  const stolen = await client.post('/admin/settings', { shopName: 'Hijacked', replyToEmail: '', customerEmailsEnabled: '1', customerEmailDelaySeconds: '120', orderApproval: 'none', taxLabel: 'Sales tax', taxRate: '0', paymentTerms: '', archiveAfterDays: '30', salesSeeAllCustomers: '1', version }, { csrf: otherSession.csrfToken! });
  t.equal(stolen.statusCode, 403, "another session's token: 403");

  const htmx = await client.post('/admin/settings', { shopName: 'Hijacked', replyToEmail: '', customerEmailsEnabled: '1', customerEmailDelaySeconds: '120', orderApproval: 'none', taxLabel: 'Sales tax', taxRate: '0', paymentTerms: '', archiveAfterDays: '30', salesSeeAllCustomers: '1', version }, { csrf: 'forged', htmx: true });
  t.equal(htmx.statusCode, 403, 'htmx request with a bad header token: 403');
  t.equal(htmx.headers['hx-retarget'], '#alerts', 'htmx errors land in the alerts region');

  const settings = await db.selectFrom('shop_settings').select('shop_name').executeTakeFirstOrThrow();
  t.not(settings.shop_name, 'Hijacked', 'nothing was changed');

  const viaHeader = await client.post('/admin/settings', { shopName: 'Acme Signs', replyToEmail: '', customerEmailsEnabled: '1', customerEmailDelaySeconds: '120', orderApproval: 'none', taxLabel: 'Sales tax', taxRate: '0', paymentTerms: '', archiveAfterDays: '30', salesSeeAllCustomers: '1', version }, { htmx: true });
  t.equal(viaHeader.statusCode, 303, 'the token in the x-csrf-token header (as htmx sends it) is accepted');
  const changed = await db.selectFrom('shop_settings').select('shop_name').executeTakeFirstOrThrow();
  t.equal(changed.shop_name, 'Acme Signs');
});

t.test('security headers and a strict content security policy on every page', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client } = await signedInClient(app, db, ['admin']);
  const page = await client.get('/');
  const csp = String(page.headers['content-security-policy']);
  t.match(csp, /default-src 'self'/);
  t.match(csp, /script-src 'self'(;|$)/, 'no inline or eval scripts');
  t.notMatch(csp, /unsafe-inline|unsafe-eval/);
  t.match(csp, /frame-ancestors 'none'/);
  t.match(csp, /object-src 'none'/);
  t.equal(page.headers['x-content-type-options'], 'nosniff');
  t.equal(page.headers['referrer-policy'], 'same-origin');
  t.notMatch(page.body, /<script>|<script [^>]*>[^<]+<\/script>|\son[a-z]+="/, 'no inline script or event handler attributes');
  t.match(page.body, /<script src="\/vendor\/htmx\/htmx\.min\.js" defer><\/script>/, 'htmx served from node_modules');

  const htmx = await client.get('/vendor/htmx/htmx.min.js');
  t.equal(htmx.statusCode, 200);
  t.match(htmx.body, /version:"2\.0\./, 'htmx 2.0.x');
  t.equal((await client.get('/vendor/htmx/htmx.js')).statusCode, 404, 'only the minified build is exposed');
  t.equal((await client.get('/vendor/pico/pico.min.css')).statusCode, 200);
  t.equal((await client.get('/assets/css/app.css')).statusCode, 200);

  const cookie = (await new Client(app).get('/login')).headers['set-cookie'];
  t.match(String(cookie), /HttpOnly/i);
  t.match(String(cookie), /SameSite=Lax/i);
});

t.test('output is escaped', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client } = await signedInClient(app, db, ['admin']);
  await client.get('/admin/users/new');
  const response = await client.post('/admin/users', { name: '<script>alert(1)</script>', email: 'x', roles: 'sales' });
  t.equal(response.statusCode, 422);
  t.notMatch(response.body, /<script>alert\(1\)<\/script>/);
  t.match(response.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});

t.test('error pages are friendly and leak nothing', async (t) => {
  const { app, db } = await buildTestApp(t, {
    beforeReady: (app) => {
      app.get('/explode', { config: { access: 'public' }, schema: { querystring: NoQuery } }, async () => {
        throw new Error('secret database password is hunter2');
      });
    },
  });
  const { client } = await signedInClient(app, db, ['sales']);

  const missing = await client.get('/no/such/page');
  t.equal(missing.statusCode, 404);
  t.match(missing.body, /We could not find that page/);
  t.match(missing.body, /Sign out/, 'the 404 page keeps the navigation');

  const forbidden = await client.get('/admin/users');
  t.equal(forbidden.statusCode, 403);
  t.match(forbidden.body, /You do not have access to this page/);

  const broken = await client.get('/explode');
  t.equal(broken.statusCode, 500);
  t.match(broken.body, /Something went wrong on our side/);
  t.match(broken.body, /Reference: <code>|reference: <code>/i, 'a reference to quote to support');
  t.notMatch(broken.body, /hunter2|Error:|\.ts:\d+/, 'no message, stack or file names');

  const missingUser = await client.get('/admin/users/abc');
  t.equal(missingUser.statusCode, 403, 'permission is checked before the id is looked at');
});

t.test('health and readiness', async (t) => {
  const { app } = await buildTestApp(t);
  const health = await app.inject('/healthz');
  t.equal(health.statusCode, 200);
  t.same(health.json(), { status: 'ok' });
  const ready = await app.inject('/readyz');
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), { status: 'ready' });

  const unreachable = createDb('postgres://postgres@127.0.0.1:1/nowhere', 1);
  const cutOff = await buildApp({ config: testConfig(), db: unreachable });
  t.teardown(async () => {
    await cutOff.close();
    await unreachable.destroy();
  });
  const notReady = await cutOff.inject('/readyz');
  t.equal(notReady.statusCode, 503, 'not ready without a database');
  t.same(notReady.json(), { status: 'unavailable', reason: 'database unreachable' });
  t.equal((await cutOff.inject('/healthz')).statusCode, 200, 'but the process is alive');
});

t.test('navigation follows the roles; request logs carry no email-link tokens', async (t) => {
  const lines: string[] = [];
  const { app, db } = await buildTestApp(t, { config: { logLevel: 'info' }, logStream: { write: (line: string) => lines.push(line) } });
  const { client: sales } = await signedInClient(app, db, ['sales']);
  const salesPage = await sales.get('/');
  t.notMatch(salesPage.body, /href="\/admin\/users"/, 'no admin links for sales');
  t.match(salesPage.body, /href="\/" class="brand"[^>]*>.*Dashboard</, 'the shop name leads to the dashboard');
  const { client: admin } = await signedInClient(app, db, ['admin']);
  const adminPage = await admin.get('/');
  for (const link of ['/admin/users', '/admin/settings', '/admin/mailbox']) t.match(adminPage.body, new RegExp(`href="${link}"`), `admin sees ${link}`);

  const token = 'Zq'.repeat(22);
  await new Client(app).get(`/password-reset/${token}`);
  const log = lines.join('');
  t.match(log, /"url":"\/password-reset\/\[token\]"/, 'the request is logged with the token masked');
  t.notMatch(log, new RegExp(token), 'the token itself is not in the logs');
  t.match(log, /"msg":"request completed"/, 'structured request logs');
});
