import t from 'tap';
import { NoQuery } from '../../src/platform/schemas.js';
import { buildTestApp, Client, createUser, signedInClient } from '../helpers/app.js';
import { createStation, enrolTablet, givePin } from '../helpers/kiosk.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

const sendable = /^[\x21-\x7e]*$/;

function cursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

t.test('user text in a redirect never reaches a header as it was typed', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{}, {}]);
  const { client } = await signedInClient(app, db, ['admin']);
  await client.get('/queues/pending');

  const moved = await client.post(`/items/${order.items[0]!.id}/transitions`, { version: '1', from: 'pending', to: 'in_progress', returnTo: '/€' });
  t.equal(moved.statusCode, 303, 'the move happens');
  t.equal(moved.headers.location, '/%E2%82%AC', 'the path back is sent percent-encoded');

  const bulk = await client.post('/queues/pending/bulk', { item: `${order.items[1]!.id}:1`, to: 'in_progress', returnTo: '/queues/pending?q=€' });
  t.equal(bulk.statusCode, 303);
  t.equal(bulk.headers.location, '/queues/pending?q=%E2%82%AC');

  const view = await client.post('/queues/pending/views', { name: 'Euro', query: 'q=€&machine=1' });
  t.equal(view.statusCode, 303, 'a saved view whose query holds € is saved');
  t.match(String(view.headers.location), sendable);
  const saved = await db.selectFrom('saved_views').select('query').executeTakeFirstOrThrow();
  t.equal(saved.query, 'machine=1&q=%E2%82%AC', 'stored the one way the queue page spells it');

  t.equal((await client.get('/queues/%E2%82%AC')).statusCode, 404, 'a queue key with € names no queue');
  t.equal((await client.post('/queues/%E2%82%AC/views/1/delete', {})).statusCode, 404);
  t.equal((await client.post('/queues/nope/views/1/delete', {})).statusCode, 404, 'a queue that does not exist is not redirected to');

  const anonymous = new Client(app);
  await anonymous.get('/login');
  const signIn = await anonymous.post('/login', { email: 'nobody@shop.test', password: 'wrong password!', next: '/€' });
  t.equal(signIn.statusCode, 422);
  t.match(signIn.body, /name="next" value="\/%E2%82%AC"/, 'the next path is kept, encoded');
  const admin = await signedInClient(app, db, ['admin']);
  const fresh = new Client(app);
  await fresh.get('/login?next=%2F%E2%82%AC');
  const signedIn = await fresh.post('/login', { email: admin.user.email, password: admin.user.password, next: '/€' });
  t.equal(signedIn.statusCode, 303, 'a crafted sign-in link signs the person in');
  t.equal(signedIn.headers.location, '/%E2%82%AC');

  const huge = await client.post(`/items/${order.items[0]!.id}/transitions`, { version: '2', from: 'in_progress', to: 'pending', returnTo: `/${'x'.repeat(200_000)}` });
  t.equal(huge.statusCode, 400, 'a 200 kB return path is refused as input');
  t.notMatch(JSON.stringify(huge.headers), /x{1000}/, 'and reaches no header');
  t.equal((await client.get('/')).statusCode, 200, 'the server is still up');
});

t.test('redirects and Back links only lead inside Traveler', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{}]);
  const { client, user } = await signedInClient(app, db, ['admin']);
  const itemId = order.items[0]!.id;

  for (const hostile of ['/\t/evil.example/back', '//evil.example', '/\\evil.example', 'https://evil.example/', '/%09/evil.example']) {
    const page = await client.get(`/items/${itemId}?return=${encodeURIComponent(hostile)}`);
    t.equal(page.statusCode, 200);
    const back = page.body.match(/<a href="([^"]*)">← Back<\/a>/)![1]!;
    t.ok(back === '/queues/pending' || back.startsWith('/%09'), `Back for ${JSON.stringify(hostile)} stays here (${back})`);
    t.notMatch(back, /^\/\/|^\/\t|^\/\\|^https?:/, 'not something a browser would take to another site');
  }

  for (const next of ['/\t/evil.example', '//evil.example', '/\\evil.example', 'https://evil.example']) {
    const visitor = new Client(app);
    await visitor.get('/login');
    const response = await visitor.post('/login', { email: user.email, password: user.password, next });
    t.equal(response.headers.location, '/', `sign-in with next=${JSON.stringify(next)} goes to the start page`);
  }
});

t.test('no request ends the process: bad headers and failing error pages still get an answer', async (t) => {
  const { app, db } = await buildTestApp(t, {
    beforeReady: (app) => {
      app.get('/bad-header', { config: { access: 'public' }, schema: { querystring: NoQuery } }, async (_request, reply) => reply.header('x-note', 'café €').send('ok'));
      app.get('/bad-header-then-throw', { config: { access: 'public' }, schema: { querystring: NoQuery } }, async (_request, reply) => {
        reply.header('location', '/€').header('content-disposition', 'attachment; filename="€.pdf"');
        throw new Error('failed after setting headers');
      });
      app.get('/error-that-breaks-the-error-page', { config: { access: 'public' }, schema: { querystring: NoQuery } }, async () => {
        throw Object.defineProperty(new Error('strange'), 'statusCode', {
          get() {
            throw new Error('the error handler trips over this');
          },
        });
      });
    },
  });
  await seedShop(db);

  const badHeader = await app.inject('/bad-header');
  t.equal(badHeader.statusCode, 200, 'an unsendable header is dropped, the answer goes out');
  t.equal(badHeader.headers['x-note'], undefined);

  const thrown = await app.inject('/bad-header-then-throw');
  t.equal(thrown.statusCode, 500);
  t.match(thrown.body, /Something went wrong on our side/);
  t.equal(thrown.headers.location, undefined, 'the failed answer carries no redirect');

  const broken = await app.inject('/error-that-breaks-the-error-page');
  t.equal(broken.statusCode, 500, 'an error inside the error handler still gets an answer');
  t.match(broken.body, /Something went wrong/);

  const tooLong = await app.inject(`/items/${'1'.repeat(500)}`);
  t.equal(tooLong.statusCode, 414);
  t.match(tooLong.body, /That address is too long/);
  t.notMatch(tooLong.body, /FST_|max param length/i, "Fastify's internal answer is not shown");
  t.match(String(tooLong.headers['content-type']), /text\/html/);

  const badEncoding = await app.inject('/items/%E0%A4%A');
  t.ok([400, 404].includes(badEncoding.statusCode), `a broken percent-encoding is a client error (${badEncoding.statusCode})`);
  t.notMatch(badEncoding.body, /FST_/);

  t.equal((await app.inject('/healthz')).statusCode, 200, 'still serving');
});

t.test('malformed values from the issue: no 5xx anywhere', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{}]);
  const { client } = await signedInClient(app, db, ['admin']);
  await client.get('/admin/users');

  const anonymous = new Client(app);
  await anonymous.get('/login');
  const nul = await anonymous.post('/login', { email: 'ada\u0000@shop.test', password: 'pass\u0000word12' });
  t.equal(nul.statusCode, 422, 'NUL in an unauthenticated sign-in is just a failed sign-in');

  t.equal((await client.get('/queues/pending?q=%00acrylic')).statusCode, 200, 'NUL in a search');
  await client.get('/customers/new');
  const created = await client.post('/customers', { name: 'Nul\u0000 Signs', company: '', email: '', phone: '', address: '' });
  t.equal(created.statusCode, 303, 'NUL in a text field is removed, the rest is saved');
  t.ok(await db.selectFrom('customers').select('id').where('name', '=', 'Nul Signs').executeTakeFirst());

  for (const path of ['/orders/3000000000', '/orders/2147483648', '/admin/users/1.0', '/admin/users/0x10', '/admin/users/%201', '/admin/users/01', '/admin/users/-1', '/photos/99999999999999999999', '/admin/mailbox/1e3']) {
    t.equal((await client.get(path)).statusCode, 404, `${path} names nothing`);
  }
  for (const query of ['customer=2147483648', 'machine=0x10', 'assignee=1.5', 'due_from=2026-02-30', 'due_to=0000-01-01', 'sort=random']) {
    const response = await client.get(`/queues/pending?${query}`);
    t.equal(response.statusCode, 422, `filter ${query} is reported beside the filters`);
  }
  t.equal((await client.get(`/orders?before=${2n ** 63n}`)).statusCode, 200, 'an impossible "before" is ignored');
  for (const after of [cursor(['2026-13-45', 1]), cursor([null, 2 ** 31]), cursor(['2026-01-01', 1.5]), 'not-base64!', cursor({}), cursor([1e300, 1])]) {
    t.equal((await client.get(`/queues/pending?after=${after}`)).statusCode, 200, `forged cursor ${after} starts from the top`);
    t.equal((await client.get(`/queues/pending?sort=order&after=${after}`)).statusCode, 200);
    t.equal((await client.get(`/queues/pending?sort=age&after=${after}`)).statusCode, 200);
  }
  const bulk = await client.post('/queues/pending/bulk', { item: ['99999999999:1', '1:1.5', 'x'], to: 'in_progress' }, { htmx: true });
  t.equal(bulk.statusCode, 200, 'forged bulk selections are reported, not run');
  t.match(bulk.body, /is not an item on this page/);

  const itemId = order.items[0]!.id;
  for (const version of ['NaN', '1.5', 'Infinity', '-1', '99999999999']) {
    const response = await client.post(`/items/${itemId}/transitions`, { version, from: 'pending', to: 'in_progress' });
    t.equal(response.statusCode, 400, `version ${version} on a move`);
    await client.get('/admin/users');
    const user = await client.post(`/admin/users/${shop.sales.id}`, { name: 'Sam', email: 'sam@shop.test', roles: 'sales', active: '1', version });
    t.equal(user.statusCode, 400, `version ${version} on a user edit`);
  }
  const orderEdit = await client.get(`/orders/${order.id}/edit`);
  t.equal(orderEdit.statusCode, 200);
  for (const dueDate of ['2026-02-30', '0000-01-01', '2026-1-1']) {
    const response = await client.post(`/orders/${order.id}`, {
      customerId: String(shop.customerId),
      dueDate,
      version: '1',
      item_itemId: String(itemId),
      item_description: 'Sign',
      item_quantity: '1',
      item_unitPrice: '1',
      item_fulfillmentMethod: 'pickup',
    });
    t.equal(response.statusCode, 422, `due date ${dueDate} is reported beside the field`);
    t.match(response.body, /Enter a date like 2026-12-31/);
  }

  const { id: adminId } = shop.admin;
  const tablet = await enrolTablet(app, db, adminId, await createStation(db, adminId));
  await tablet.signIn(shop.production.id, await givePin(db, shop.production.id));
  for (const action of ['start', 'pause', 'finish', 'built', 'hold', 'resume', 'move', 'notes']) {
    const response = await tablet.post(`/kiosk/items/999999/${action}`, { version: '1', status: 'pending', note: 'x', reason: 'x' });
    t.equal(response.statusCode, 404, `kiosk ${action} on a missing item`);
    t.match(response.body, /That item no longer exists/);
  }
  const photo = await client.app.inject({
    method: 'POST',
    url: `/kiosk/items/${itemId}/photos`,
    headers: { cookie: tablet.client.cookieHeader, 'content-type': 'multipart/form-data; boundary=----good', 'hx-request': 'true', 'x-kiosk-csrf': tablet.csrf },
    payload: '------bad\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n\r\nnot finished',
  });
  t.equal(photo.statusCode, 422, 'a broken multipart boundary is a damaged upload');
  t.match(photo.body, /did not arrive whole|Take or choose a photo first/);
});

t.test('signed-in pages are not cached; sign-in attempts are limited per address too', async (t) => {
  const { app, db } = await buildTestApp(t, { config: { baseUrl: 'https://traveler.example' } });
  const { client } = await signedInClient(app, db, ['admin']);
  const page = await client.get('/');
  t.equal(page.headers['cache-control'], 'no-store');
  t.equal((await client.get('/admin/users')).headers['cache-control'], 'no-store');
  const css = await client.get('/assets/css/app.css');
  t.match(String(css.headers['cache-control']), /max-age/, 'static assets keep their own caching');

  const visitor = new Client(app);
  const login = await visitor.get('/login');
  t.match(String(login.headers['set-cookie']), /Secure/, 'with an https BASE_URL the session cookie is Secure even over a plain-http hop');

  const shift = await Promise.all(Array.from({ length: 25 }, (_, n) => createUser(db, ['production'], { email: `shift${n}@shop.test` })));
  for (const person of shift) {
    const signedIn = await new Client(app).signIn(person.email, person.password);
    t.equal(signedIn.statusCode, 303, `a whole shift signs in from one address (${person.email})`);
  }
  let limited = 0;
  for (let attempt = 0; attempt < 40; attempt++) {
    const response = await visitor.post('/login', { email: `spray${attempt}@shop.test`, password: 'Summer2026!!' });
    if (response.statusCode === 429) limited += 1;
  }
  t.ok(limited >= 5, `trying many accounts from one address is limited (${limited} of 40 refused)`);
});
