import { gunzipSync } from 'node:zlib';
import t from 'tap';
import { buildTestApp, signedInClient } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

async function setup(t: Parameters<typeof buildTestApp>[0]) {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const { client } = await signedInClient(app, db, ['production']);
  return { app, db, shop, client };
}

function seqOf(body: string): string {
  return body.match(/\/changes\?seq=(\d+\.\d+)/)![1]!;
}

t.test('a queue page lists only its items, with counts in the navigation', async (t) => {
  const { db, shop, client } = await setup(t);
  const order = await placeOrder(db, shop, [
    { description: 'Acrylic lobby sign', machineId: String(shop.machines.router), materialId: String(shop.materials.acrylic), dueDate: '2020-01-10' },
    { description: 'Vinyl window lettering' },
    { description: 'Coroplast yard signs' },
  ]);
  const { client: admin } = await signedInClient(client.app, db, ['admin']);
  await admin.get(`/queues/pending`);
  await admin.post(`/items/${order.items[2]!.id}/transitions`, { version: '1', from: 'pending', to: 'in_progress', returnTo: '/queues/pending' });

  const page = await client.get('/queues/pending');
  t.equal(page.statusCode, 200);
  t.match(page.body, new RegExp(`id="item-${order.items[0]!.id}" class="overdue"`), 'overdue rows are highlighted');
  t.match(page.body, new RegExp(`${order.number} · 1/3`), 'items are shown as order · index/total');
  t.match(page.body, /Acrylic lobby sign[\s\S]*CNC router[\s\S]*Acrylic/);
  t.match(page.body, /Rosa Diaz/);
  t.notMatch(page.body, /Coroplast yard signs/, 'the item in work is not in Pending');
  t.match(page.body, /id="queue-counts"/);
  t.match(page.body, /href="\/queues\/pending" aria-current="page">\s*Pending <span class="count">2<\/span>/);
  t.match(page.body, /href="\/queues\/wip"[^>]*>\s*Work in progress <span class="count">1<\/span> <span class="new-count"[^>]*>1 new<\/span>/, 'an owner sees what is new in their queue');

  const wip = await client.get('/queues/wip');
  t.match(wip.body, /Coroplast yard signs/);
  const again = await client.get('/queues/pending');
  t.notMatch(again.body, /href="\/queues\/wip"[^>]*>[^<]*<span class="count">1<\/span> <span class="new-count"/, 'visiting the queue clears its new count');
});

t.test('a status change from the row: the row leaves and the counts update in the same response', async (t) => {
  const { db, shop, client } = await setup(t);
  const order = await placeOrder(db, shop, [{}, {}]);
  const [first, second] = order.items;
  await client.get('/queues/pending');

  const response = await client.post(
    `/items/${first!.id}/transitions`,
    { version: String(first!.version), from: 'pending', to: 'in_progress', returnTo: '/queues/pending', queue: 'pending' },
    { htmx: true },
  );
  t.equal(response.statusCode, 200);
  t.notMatch(response.body, new RegExp(`id="item-${first!.id}"`), 'nothing replaces the row: it leaves the queue');
  t.match(response.body, /<nav id="queue-counts" class="queue-nav" aria-label="Queues" hx-swap-oob="true">/, 'queue counts swapped out of band');
  t.match(response.body, /Pending <span class="count">1<\/span>/);
  t.match(response.body, /Work in progress <span class="count">1<\/span>/);
  t.match(response.body, /<div id="alerts" aria-live="polite" hx-swap-oob="true">[\s\S]*· 1\/2 → Work in progress/);
  t.equal((await db.selectFrom('line_items').select('status').where('id', '=', first!.id).executeTakeFirstOrThrow()).status, 'in_progress');

  const stale = await client.post(`/items/${first!.id}/transitions`, { version: String(first!.version), from: 'pending', to: 'on_hold', reason: 'x' }, { htmx: true });
  t.equal(stale.statusCode, 409, 'a stale version is a conflict');
  t.equal(stale.headers['hx-retarget'], '#alerts');
  t.match(stale.body, /was changed by .* a moment ago and is now “Work in progress”/);

  const plain = await client.post(`/items/${second!.id}/transitions`, { version: '1', from: 'pending', to: 'in_progress', returnTo: '/queues/pending?sort=order' });
  t.equal(plain.statusCode, 303, 'without JavaScript the form posts and redirects back');
  t.equal(plain.headers.location, '/queues/pending?sort=order');
  const evil = await client.post(`/items/${second!.id}/transitions`, { version: '2', from: 'in_progress', to: 'pending', returnTo: '//evil.example' });
  t.equal(evil.headers.location, `/items/${second!.id}`, 'returnTo must stay in Traveler');
});

t.test('Mark BUILT from the row picks the BUILT queue by fulfillment method', async (t) => {
  const { db, shop, client } = await setup(t);
  const order = await placeOrder(db, shop, [{ fulfillmentMethod: 'installation' }]);
  const item = order.items[0]!;
  await client.post(`/items/${item.id}/transitions`, { version: '1', from: 'pending', to: 'in_progress' });
  const wip = await client.get('/queues/wip');
  t.match(wip.body, /<option value="installation" selected>Installation<\/option>/, 'the item’s own method is preselected');
  const built = await client.post(`/items/${item.id}/transitions`, { version: '2', from: 'in_progress', to: 'intent:built', fulfillmentMethod: 'shipping', queue: 'wip' }, { htmx: true });
  t.equal(built.statusCode, 200);
  const row = await db.selectFrom('line_items').select(['status', 'fulfillment_method']).where('id', '=', item.id).executeTakeFirstOrThrow();
  t.same(row, { status: 'awaiting_shipping', fulfillment_method: 'shipping' }, 'changed to shipping while marking BUILT');
  t.match(built.body, /Awaiting shipping <span class="count">1<\/span>/);
});

t.test('transitions that need input are completed on the item page, with errors beside the fields', async (t) => {
  const { db, shop, client } = await setup(t);
  const order = await placeOrder(db, shop, [{}]);
  const item = order.items[0]!;
  const page = await client.get(`/items/${item.id}?to=on_hold&return=/queues/pending`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /id="action-on_hold"/);
  t.match(page.body, /name="reason"/);
  const missing = await client.post(`/items/${item.id}/transitions`, { version: '1', from: 'pending', to: 'on_hold', reason: '', returnTo: '/queues/pending' });
  t.equal(missing.statusCode, 422);
  t.match(missing.body, /id="on_hold-reason-error"[^>]*>Say why, so the next person knows\./);
  const held = await client.post(`/items/${item.id}/transitions`, { version: '1', from: 'pending', to: 'on_hold', reason: 'Waiting for the customer’s logo', returnTo: '/queues/pending' });
  t.equal(held.statusCode, 303);
  t.equal(held.headers.location, '/queues/pending');
  const onHold = await client.get('/queues/on_hold');
  t.match(onHold.body, /Held: Waiting for the customer’s logo/);
  t.match(onHold.body, />Resume<\/button>/, 'held items offer Resume');
  const history = await client.get(`/items/${item.id}`);
  t.match(history.body, /Pending → On hold/);
  t.match(history.body, /Waiting for the customer’s logo/);
});

t.test('a move refused on the item page shows the page as it is now, with what was typed kept', async (t) => {
  const { app, db, shop, client } = await setup(t);
  const order = await placeOrder(db, shop, [{}]);
  const item = order.items[0]!;
  await client.get(`/items/${item.id}?to=on_hold`);
  const { client: someoneElse } = await signedInClient(app, db, ['production']);
  await someoneElse.get('/queues/pending');
  await someoneElse.post(`/items/${item.id}/transitions`, { version: '1', from: 'pending', to: 'in_progress' });

  const stale = await client.post(`/items/${item.id}/transitions`, { version: '1', from: 'pending', to: 'on_hold', reason: 'Logo file is corrupt', returnTo: '/queues/pending' });
  t.equal(stale.statusCode, 409, 'a conflict');
  t.match(stale.body, /was changed by Test production \d+ a moment ago and is now “Work in progress”/, 'saying who changed it and what it is now');
  t.match(stale.body, /<h1><span class="item-label">/, 'on the item page, not a dead end');
  t.match(stale.body, /value="Logo file is corrupt"/, 'the typed reason is kept');
  t.match(stale.body, /name="version" value="2"/, 'the forms now carry the current version');
  t.match(stale.body, /href="\/queues\/pending">← Back/, 'and the way back');
  const retried = await client.post(`/items/${item.id}/transitions`, { version: '2', from: 'in_progress', to: 'on_hold', reason: 'Logo file is corrupt', returnTo: '/queues/pending' });
  t.equal(retried.statusCode, 303, 'submitting again applies it to the current state');
  t.match((await client.get(`/items/${item.id}`)).body, /<a href="\/queues\/on_hold">← Back<\/a>/, 'opened directly, Back leads to the queue the item is in');
  const fromQueue = await client.get('/queues/on_hold?sort=age');
  t.match(fromQueue.body, new RegExp(`href="/items/${item.id}\\?return=%2Fqueues%2Fon_hold%3Fsort%3Dage"`), 'a queue row opens its item with the way back, filters and all');

  const impossible = await client.post(`/items/${item.id}/transitions`, { version: '3', from: 'on_hold', to: 'picked_up' });
  t.equal(impossible.statusCode, 422, 'a move that cannot be made from here is explained on the page');
  t.match(impossible.body, /cannot go to “Picked up” from there/);
});

t.test('search and the Customer column include the customer’s company', async (t) => {
  const { db, shop, client } = await setup(t);
  await placeOrder(db, shop, [{ description: 'Menu board' }]);
  const byCompany = await client.get('/queues/pending?q=diaz%20bakery');
  t.match(byCompany.body, /Menu board/, 'found by the company name');
  t.match(byCompany.body, /Diaz Bakery/, 'the company is shown with the customer');
  await db.updateTable('customers').set({ company: 'Diaz Patisserie' }).execute();
  const { client: sales } = await signedInClient(client.app, db, ['sales']);
  const form = await sales.get(`/customers/${shop.customerId}`);
  const version = form.body.match(/name="version" value="(\d+)"/)![1]!;
  await sales.post(`/customers/${shop.customerId}`, { name: 'Rosa Diaz', company: 'Diaz Catering', email: '', phone: '', address: '', version });
  t.match((await client.get('/queues/pending?q=catering')).body, /Menu board/, 'a renamed company is searchable at once');
  t.notMatch((await client.get('/queues/pending?q=bakery')).body, /Menu board/);
});

t.test('bulk moves report each item; the ones that can move, move', async (t) => {
  const { db, shop, client } = await setup(t);
  const order = await placeOrder(db, shop, [{}, {}, {}]);
  const [a, b, c] = [order.items[0]!, order.items[1]!, order.items[2]!];
  await client.get('/queues/pending');
  // Someone else moves b first, so the version this page saw is stale.
  const { client: other } = await signedInClient(client.app, db, ['production']);
  await other.post(`/items/${b.id}/transitions`, { version: '1', from: 'pending', to: 'in_progress' });

  const response = await client.post('/queues/pending/bulk', { item: [`${a.id}:1`, `${b.id}:1`, `${c.id}:1`], to: 'in_progress', returnTo: '/queues/pending' }, { htmx: true });
  t.equal(response.statusCode, 200);
  t.match(response.body, /<section id="queue-table"/, 'the table is re-rendered');
  t.match(response.body, /hx-swap-oob="true"/);
  t.match(response.body, /2 moved, 1 could not move/);
  t.match(response.body, new RegExp(`id="bulk-result-${a.id}" class="ok"`));
  t.match(response.body, new RegExp(`id="bulk-result-${b.id}" class="refused">[^<]*was changed by`));
  t.match(response.body, new RegExp(`id="bulk-result-${c.id}" class="ok"`));
  const statuses = await db.selectFrom('line_items').select(['id', 'status']).where('order_id', '=', order.id).orderBy('id').execute();
  t.same(statuses.map((s) => s.status), ['in_progress', 'in_progress', 'in_progress']);

  const nothing = await client.post('/queues/pending/bulk', { to: 'in_progress' }, { htmx: true });
  t.match(nothing.body, /Select at least one item first\./);
});

t.test('live refresh: unchanged answers 204 with nothing; a change elsewhere re-renders the table', async (t) => {
  const { db, shop, client } = await setup(t);
  const order = await placeOrder(db, shop, [{}, {}]);
  const page = await client.get('/queues/pending?sort=order');
  const seq = seqOf(page.body);
  t.match(page.body, /hx-trigger="every 3s"/);

  const unchanged = await client.get(`/queues/pending/changes?seq=${seq}&sort=order`, { 'hx-request': 'true' });
  t.equal(unchanged.statusCode, 204);
  t.equal(unchanged.body, '');

  const { client: other } = await signedInClient(client.app, db, ['production']);
  await other.post(`/items/${order.items[0]!.id}/transitions`, { version: '1', from: 'pending', to: 'in_progress' });
  // Change numbers are read at most once a second per app instance.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const changed = await client.get(`/queues/pending/changes?seq=${seq}&sort=order`, { 'hx-request': 'true' });
  t.equal(changed.statusCode, 200);
  t.match(changed.body, /<section id="queue-table"/);
  t.not(seqOf(changed.body), seq, 'the region carries the new change number');
  t.match(changed.body, /sort=order/, 'and keeps the filters');
  t.notMatch(changed.body, new RegExp(`id="item-${order.items[0]!.id}"`), 'the moved item is gone');
  t.match(changed.body, new RegExp(`id="item-${order.items[1]!.id}"`));
  t.match(changed.body, /id="queue-counts"[^>]*hx-swap-oob="true"/);
});

t.test('a queue page is read afresh after any change to what its rows show', async (t) => {
  const { db, shop, client } = await setup(t);
  const order = await placeOrder(db, shop, [
    { description: 'Lobby sign', machineId: String(shop.machines.router), assigneeId: String(shop.production.id) },
    { description: 'Door vinyl' },
  ]);
  const first = await client.get('/queues/pending');
  t.match(first.body, /Rosa Diaz[\s\S]*Lobby sign[\s\S]*CNC router[\s\S]*Pete Production/);

  await db.updateTable('customers').set({ name: 'Rosa Diaz-Moreno' }).where('id', '=', shop.customerId).execute();
  await db.updateTable('machines').set({ name: 'CNC router (bay 2)' }).where('id', '=', shop.machines.router).execute();
  await db.updateTable('users').set({ name: 'Pete Prod' }).where('id', '=', shop.production.id).execute();
  const renamed = await client.get('/queues/pending');
  t.match(renamed.body, /Rosa Diaz-Moreno/, 'a renamed customer shows at once');
  t.match(renamed.body, /CNC router \(bay 2\)/, 'so does a renamed machine');
  t.match(renamed.body, /Pete Prod\b/, 'and a renamed assignee');
  t.not(seqOf(renamed.body), seqOf(first.body), 'renames bump the change number, so open queues refresh too');

  const { client: other } = await signedInClient(client.app, db, ['production']);
  await other.post(`/items/${order.items[0]!.id}/transitions`, { version: '1', from: 'pending', to: 'in_progress' });
  const moved = await client.get('/queues/pending');
  t.notMatch(moved.body, new RegExp(`id="item-${order.items[0]!.id}"`), 'an item moved by someone else is gone on the next view');
  t.match(moved.body, new RegExp(`id="item-${order.items[1]!.id}"`));
});

t.test('rows rendered once are shown to each viewer with their own CSRF token and their own actions', async (t) => {
  const { db, shop, client } = await setup(t);
  const order = await placeOrder(db, shop, [{ description: 'Lobby sign' }, { description: 'Door vinyl' }]);
  const rowTokens = (body: string) => [...body.matchAll(/<td class="row-actions">[\s\S]*?name="_csrf" value="([^"]+)"/g)].map((m) => m[1]);

  const first = await client.get('/queues/pending');
  t.equal(rowTokens(first.body).length, 2);
  t.ok(rowTokens(first.body).every((token) => token === client.csrfToken), 'the rows carry the token of the page they are on');

  const { client: other } = await signedInClient(client.app, db, ['production']);
  const second = await other.get('/queues/pending');
  t.equal(seqOf(second.body), seqOf(first.body), 'the same unchanged page');
  t.not(other.csrfToken, client.csrfToken);
  t.ok(rowTokens(second.body).every((token) => token === other.csrfToken), 'another person gets the same rows with their own token');

  const { client: qa } = await signedInClient(client.app, db, ['qa']);
  const readOnly = await qa.get('/queues/pending');
  t.equal(seqOf(readOnly.body), seqOf(first.body));
  t.match(readOnly.body, /Door vinyl/);
  t.notMatch(readOnly.body, /row-actions|name="item"/, 'someone who may not move items gets rows without actions');

  const moved = await other.post(`/items/${order.items[0]!.id}/transitions`, { version: '1', from: 'pending', to: 'in_progress', returnTo: '/queues/pending' }, { csrf: rowTokens(second.body)[0] });
  t.equal(moved.statusCode, 303, 'the token in a kept row is accepted');
});

t.test('pages are sent as ASCII, with other characters as references', async (t) => {
  const { db, shop, client } = await setup(t);
  await placeOrder(db, shop, [{ description: 'Enseigne « Café » 😀' }]);
  await db.updateTable('customers').set({ name: 'Łódź Signs' }).where('id', '=', shop.customerId).execute();
  const page = await client.get('/queues/pending');
  const sent = page.rawPayload.toString('latin1');
  t.notMatch(sent, /[^\x00-\x7f]/, 'no byte above 127');
  t.match(sent, /&#321;&#243;d&#378; Signs/);
  t.match(sent, /Enseigne &#171; Caf&#233; &#187; &#128512;/);
  t.match(sent, / &#183; 1\/1/, "the template's own text too");
  t.match(page.body, /Łódź Signs[\s\S]*Enseigne « Café » 😀/, 'which read as the characters they stand for');
});

t.test('pages go gzipped to browsers that accept it, and plain to those that do not', async (t) => {
  const { db, shop, client } = await setup(t);
  await placeOrder(db, shop, [{ description: 'Lobby sign' }]);
  const plain = await client.get('/queues/pending');
  t.equal(plain.headers['content-encoding'], undefined);
  const zipped = await client.get('/queues/pending', { 'accept-encoding': 'gzip, deflate, br' });
  t.equal(zipped.headers['content-encoding'], 'gzip');
  t.match(String(zipped.headers.vary), /accept-encoding/i);
  t.ok(zipped.rawPayload.length < plain.rawPayload.length / 2, `${zipped.rawPayload.length} bytes instead of ${plain.rawPayload.length}`);
  t.match(gunzipSync(zipped.rawPayload).toString('utf8'), /Lobby sign/);
});

t.test('filters in the URL, bad filter values, saved views', async (t) => {
  const { db, shop, client } = await setup(t);
  await placeOrder(db, shop, [
    { description: 'Router job', machineId: String(shop.machines.router), materialId: String(shop.materials.acrylic) },
    { description: 'Printer job', machineId: String(shop.machines.printer), materialId: String(shop.materials.vinyl) },
  ]);
  const filtered = await client.get(`/queues/pending?machine=${shop.machines.router}&material=${shop.materials.acrylic}`);
  t.match(filtered.body, /Router job/);
  t.notMatch(filtered.body, /Printer job/);
  t.match(filtered.body, new RegExp(`<option value="${shop.machines.router}" selected>CNC router`), 'the form shows the filter in use');

  const bad = await client.get('/queues/pending?due_from=yesterday&machine=router&sort=random');
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /id="filter-due_from-error">Enter a date like 2026-12-31\./);
  t.match(bad.body, /type="text" name="due_from" value="yesterday"/, 'the bad value is kept, in a field that can hold it');
  t.match(bad.body, /id="filter-machine-error">Choose from the list\./, 'every bad filter says so beside itself');
  t.match(bad.body, /id="filter-sort-error">Sort by due date, order or time in status\./);
  const gone = await client.get('/queues/pending?machine=999999&customer=888888');
  t.equal(gone.statusCode, 422, 'a filter naming what does not exist is not just an empty queue');
  t.match(gone.body, /id="filter-machine-error">That machine is not in the list \(any more\)\./);
  t.match(gone.body, /That customer does not exist \(any more\)\./);

  const query = `machine=${shop.machines.router}&material=${shop.materials.acrylic}`;
  const saved = await client.post('/queues/pending/views', { name: 'Acrylic on the router', query });
  t.equal(saved.statusCode, 303);
  const withView = await client.get('/queues/pending');
  t.match(withView.body, new RegExp(`href="/queues/pending\\?${query.replace('&', '&amp;')}">Acrylic on the router</a>`));
  const duplicate = await client.post('/queues/pending/views', { name: 'acrylic on the router', query });
  t.equal(duplicate.statusCode, 422, 'a name already used is refused on the page');
  t.match(duplicate.body, /<small class="field-error" id="save-view-error">You already have a view called “acrylic on the router” here\.<\/small>/, 'beside the name field');
  t.match(duplicate.body, /name="name"[^>]*value="acrylic on the router"/, 'with the name kept');
  t.match(duplicate.body, new RegExp(`<option value="${shop.machines.router}" selected>CNC router`), 'and the filters still applied');
  const view = await db.selectFrom('saved_views').select('id').executeTakeFirstOrThrow();
  await client.post(`/queues/pending/views/${view.id}/delete`);
  t.equal((await db.selectFrom('saved_views').select('id').execute()).length, 0);
  t.equal((await client.get('/queues/nowhere')).statusCode, 404);
});

t.test('the order page shows every item with its status, queue and history', async (t) => {
  const { db, shop, client } = await setup(t);
  const order = await placeOrder(db, shop, [{ description: 'Monument sign' }, { description: 'Pylon sign' }]);
  await client.post(`/items/${order.items[1]!.id}/transitions`, { version: '1', from: 'pending', to: 'in_progress' });
  const page = await client.get(`/orders/${order.id}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, new RegExp(`Order ${order.number}`));
  t.match(page.body, new RegExp(`id="order-item-${order.items[0]!.id}"[\\s\\S]*Monument sign[\\s\\S]*Pending[\\s\\S]*href="/queues/pending"`));
  t.match(page.body, new RegExp(`id="order-item-${order.items[1]!.id}"[\\s\\S]*Pylon sign[\\s\\S]*Work in progress[\\s\\S]*href="/queues/wip"`));
  t.match(page.body, /Pending → Work in progress/);
  t.equal((await client.get('/orders/999999')).statusCode, 404);
});
