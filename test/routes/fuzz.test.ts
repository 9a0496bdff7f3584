import type { LightMyRequestResponse } from 'fastify';
import t from 'tap';
import { enqueueMail } from '../../src/mail/outbox.js';
import { createStation, enrolTablet, givePin, type KioskTablet } from '../helpers/kiosk.js';
import { buildTestApp, Client, createUser } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

/**
 * Walks the app's own route table and sends malformed values to every parameter, query field and
 * form field each route declares in its schema: no answer may be a 5xx or show internals.
 */

const corpus: (string | string[])[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '%00',
  'x'.repeat(20_000),
  '-1',
  '0',
  '1.5',
  '1e309',
  'NaN',
  'Infinity',
  '0x10',
  ' 1',
  '01',
  '2147483648',
  '9223372036854775808',
  '99999999999999999999999',
  '2026-02-30',
  '0000-01-01',
  '9999-99-99',
  '€😀',
  '<script>alert(1)</script>',
  "'; drop table users; --",
  '../../etc/passwd',
  '/\t/evil.example',
  '//evil.example',
  'true',
  '{}',
  '__proto__',
  ['a', 'b'],
  Array.from({ length: 600 }, () => '1'),
];

const paramCorpus = ['0', '-1', '1.5', '0x10', '%201', '01', '2147483648', '9223372036854775808', '%00', 'a%00b', '%E2%82%AC', 'x'.repeat(90), '..%2F..%2Fetc', '%2F%2Fevil.example'];

interface Properties {
  properties?: Record<string, { type?: string }>;
}

// Fastify's error codes are FST_ERR_…: a random token in a page (a CSRF token) may hold "FST_" by chance.
const stackText = /\bat [\w.<>]+ \(|\.ts:\d+|node_modules|FST_ERR_[A-Z_]+|Error: /;

function looksBroken(response: LightMyRequestResponse): string | undefined {
  if (response.statusCode >= 500) return `status ${response.statusCode}`;
  if (stackText.test(response.body)) return `internals in the body: ${response.body.match(stackText)![0]}`;
  return undefined;
}

t.test('every route and field answers malformed input without a 5xx or internals', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{}, {}]);
  const other = await createUser(db, ['sales'], { name: 'Target of user routes' });
  const fuzzingAdmin = await createUser(db, ['admin'], { name: 'Fuzzing admin' });
  const station = await createStation(db, shop.admin.id, { name: 'Fuzz station' });
  const targetKiosk = await createStation(db, shop.admin.id, { name: 'Target kiosk' });
  const targetTablet = await enrolTablet(app, db, shop.admin.id, targetKiosk);
  void targetTablet;
  const device = await db.selectFrom('kiosk_devices').select('id').where('kiosk_id', '=', targetKiosk).executeTakeFirstOrThrow();
  await enqueueMail(db, { template: 'welcome', to: 'x@shop.test', data: { name: 'X', email: 'x@shop.test', setPasswordPath: '/password-reset/abc', expiresInHours: 1 }, idempotencyKey: 'fuzz' });
  const mail = await db.selectFrom('outbox').select('id').executeTakeFirstOrThrow();
  await db.insertInto('saved_views').values({ user_id: fuzzingAdmin.id, queue_key: 'pending', name: 'Fuzz view', query: 'q=x' }).execute();
  const view = await db.selectFrom('saved_views').select('id').executeTakeFirstOrThrow();
  const pin = await givePin(db, shop.production.id);

  const validParams: Record<string, string> = {
    '/orders/:id': String(order.id),
    '/items/:id': String(order.items[0]!.id),
    '/kiosk/items/:id': String(order.items[1]!.id),
    '/admin/users/:id': String(other.id),
    '/customers/:id': String(shop.customerId),
    '/admin/kiosks/:id': String(targetKiosk),
    '/admin/mailbox/:id': String(mail.id),
    '/queues/:key/views/:id': String(view.id),
    '/photos/:id': '1',
    '/kiosk/photos/:id': '1',
    '/admin/catalog/:kind/:id': String(shop.machines.printer),
  };
  const paramValue = (url: string, name: string): string => {
    if (name === 'key') return 'pending';
    if (name === 'kind') return 'machines';
    if (name === 'token') return 'A'.repeat(43);
    if (name === 'deviceId') return String(device.id);
    const prefix = Object.keys(validParams).find((pattern) => url.startsWith(pattern));
    return prefix ? validParams[prefix]! : '1';
  };
  const fill = (url: string, override?: [string, string]) =>
    url.replace(/:([A-Za-z]+)/g, (_whole, name: string) => (override && override[0] === name ? override[1] : encodeURIComponent(paramValue(url, name))));

  async function signedInAdmin(): Promise<Client> {
    const client = new Client(app);
    await client.signIn(fuzzingAdmin.email, fuzzingAdmin.password);
    return client;
  }
  let admin = await signedInAdmin();
  let tablet: KioskTablet = await enrolTablet(app, db, shop.admin.id, station);
  await tablet.signIn(shop.production.id, pin);
  const anonymous = new Client(app);
  await anonymous.get('/login');

  // Fuzzing may sign the admin out (a session ended) or the tablet's worker out; start them again.
  async function keepSignedIn() {
    if ((await admin.get('/account')).statusCode !== 200) admin = await signedInAdmin();
    const home = await tablet.home();
    if (home.statusCode !== 200) tablet = await enrolTablet(app, db, shop.admin.id, station);
    await tablet.signIn(shop.production.id, pin);
  }

  const failures: string[] = [];
  let sent = 0;
  async function send(route: { method: string; url: string; access?: string }, path: string, form?: Record<string, string | string[]>) {
    let response: LightMyRequestResponse;
    if (route.access === 'kiosk') {
      response = route.method === 'GET' ? await tablet.get(path) : await tablet.client.post(path, form ?? {}, { csrf: false, htmx: true, headers: { 'x-kiosk-csrf': tablet.csrf } });
    } else {
      const client = route.access === 'public' ? anonymous : admin;
      response = route.method === 'GET' ? await client.get(path) : await client.post(path, form ?? {});
    }
    sent += 1;
    const problem = looksBroken(response);
    if (problem) failures.push(`${route.method} ${path.slice(0, 120)} ${form ? JSON.stringify(form).slice(0, 160) : ''}: ${problem}`);
  }

  const skipped = new Set(['/logout', '/setup']);
  const routes = app.routeCatalog.filter((route) => (route.method === 'GET' || route.method === 'POST') && !route.staticAsset && !skipped.has(route.url));
  t.ok(routes.length > 50, `${routes.length} routes to walk`);

  for (const route of routes) {
    const params = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1]!);
    for (const name of params) for (const value of paramCorpus) await send(route, fill(route.url, [name, value]));

    const query = Object.keys((route.schema.querystring as Properties | undefined)?.properties ?? {});
    for (const name of query) {
      for (const value of corpus) {
        const search = new URLSearchParams();
        for (const each of [value].flat()) search.append(name, each);
        await send(route, `${fill(route.url)}?${search.toString()}`);
      }
    }

    if (route.method === 'POST') {
      const fields = Object.keys((route.schema.body as Properties | undefined)?.properties ?? {}).filter((name) => !name.startsWith('_'));
      for (const name of fields) for (const value of corpus) await send(route, fill(route.url), { [name]: value });
      await send(route, fill(route.url), { unexpected: 'field', _csrf: 'x' });
    }
    await keepSignedIn();
  }

  // Bodies no form sends: JSON, plain text, a multipart upload cut short, a urlencoded body over the limit.
  const itemPath = `/items/${order.items[0]!.id}/transitions`;
  for (const [contentType, payload] of [
    ['application/json', '{"version": 1, "to": {"$gt": ""}}'],
    ['text/plain', 'hello'],
    ['application/x-www-form-urlencoded', `reason=${'x'.repeat(1_200_000)}`],
    ['multipart/form-data; boundary=zz', '--zz\r\nContent-Disposition: form-data; name="to"\r\n\r\nin_progress'],
  ] as const) {
    const response = await app.inject({ method: 'POST', url: itemPath, headers: { cookie: admin.cookieHeader, 'content-type': contentType, 'x-csrf-token': admin.csrfToken ?? '' }, payload });
    sent += 1;
    const problem = looksBroken(response);
    if (problem) failures.push(`POST ${itemPath} as ${contentType}: ${problem}`);
  }
  for (const payload of ['--wrong\r\n\r\nnothing', '', '--zz--', `--zz\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n${'\u0000'.repeat(50)}`]) {
    const response = await app.inject({
      method: 'POST',
      url: `/kiosk/items/${order.items[1]!.id}/photos`,
      headers: { cookie: tablet.client.cookieHeader, 'content-type': 'multipart/form-data; boundary=zz', 'hx-request': 'true', 'x-kiosk-csrf': tablet.csrf },
      payload,
    });
    sent += 1;
    const problem = looksBroken(response);
    if (problem) failures.push(`kiosk photo upload ${JSON.stringify(payload.slice(0, 30))}: ${problem}`);
  }

  t.ok(sent > 5000, `${sent} malformed requests sent`);
  t.same(failures.slice(0, 40), [], `no 5xx and no internals (${failures.length} failures)`);
  t.equal((await app.inject('/healthz')).statusCode, 200, 'the app still answers');
});
