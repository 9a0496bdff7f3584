import { sql } from 'kysely';
import t from 'tap';
import type { Db } from '../../src/db/database.js';
import { archiveCompletedOrders } from '../../src/orders/archive.js';
import { transition } from '../../src/workflow/engine.js';
import { buildTestApp, signedInClient, textOf } from '../helpers/app.js';
import { placeOrder, seedShop, type Shop } from '../helpers/shop.js';

/** An order whose one item was made and picked up: the order completes with it. */
async function completedOrder(db: Db, shop: Shop, description: string, daysAgo: number) {
  const order = await placeOrder(db, shop, [{ description, fulfillmentMethod: 'pickup' }]);
  const id = order.items[0]!.id;
  const actor = { userId: shop.admin.id, roles: ['admin'] };
  let version = 1;
  for (const to of ['in_progress', 'awaiting_pickup', 'picked_up']) version = (await transition(db, { type: 'line_item', id }, actor, { expectedVersion: version, to, input: { fulfillmentMethod: 'pickup' } })).version;
  const row = await db.selectFrom('orders').select('status').where('id', '=', order.id).executeTakeFirstOrThrow();
  if (row.status !== 'completed') throw new Error(`the order is ${row.status}, not completed`);
  await sql`update orders set status_entered_at = now() - make_interval(days => ${daysAgo}) where id = ${order.id}`.execute(db);
  return { ...order, itemId: id, itemVersion: version };
}

const statusOf = async (db: Db, orderId: number) => (await db.selectFrom('orders').select('status').where('id', '=', orderId).executeTakeFirstOrThrow()).status;

t.test('completed orders are archived after the shop’s number of days, once each, even with two instances at it', async (t) => {
  const { db } = await buildTestApp(t);
  const shop = await seedShop(db);
  await db.updateTable('shop_settings').set({ archive_after_days: 30 }).execute();
  const old = await Promise.all([1, 2, 3, 4, 5].map((n) => completedOrder(db, shop, `Old sign ${n}`, 31 + n)));
  const recent = await completedOrder(db, shop, 'Recent sign', 5);
  const open = await placeOrder(db, shop, [{ description: 'Still in work' }]);

  const [first, second] = await Promise.all([archiveCompletedOrders(db), archiveCompletedOrders(db)]);
  t.equal(first + second, 5, 'the five old orders are archived between the two runs');
  for (const order of old) t.equal(await statusOf(db, order.id), 'archived');
  t.equal(await statusOf(db, recent.id), 'completed', 'an order completed five days ago stays');
  t.not(await statusOf(db, open.id), 'archived', 'an open order stays');
  const events = await db.selectFrom('events').select(['subject_id', 'actor_user_id', 'actor_via']).where('subject_type', '=', 'order').where('to_status', '=', 'archived').execute();
  t.equal(events.length, 5, 'one event per order: none archived twice');
  t.match(events[0], { actor_user_id: null, actor_via: 'archived 30 days after completion' }, 'by Traveler, saying why');
  t.equal(await archiveCompletedOrders(db), 0, 'a later run has nothing to do');

  // An order the archive move cannot take (an admin made it need a reason) is left, and the rest go on.
  const stuck = await completedOrder(db, shop, 'Stuck sign', 90);
  const next = await completedOrder(db, shop, 'Next sign', 90);
  await db.updateTable('workflow_transitions').set({ requires: ['reason'] }).where('workflow', '=', 'order').where('intent', '=', 'archive').execute();
  const messages: string[] = [];
  t.equal(await archiveCompletedOrders(db, new Date(), (message) => messages.push(message)), 0, 'neither goes without a reason');
  t.equal(messages.length, 2, 'each refusal is logged, and the job does not stop at the first');
  await db.updateTable('workflow_transitions').set({ requires: [] }).where('workflow', '=', 'order').where('intent', '=', 'archive').execute();
  t.equal(await archiveCompletedOrders(db), 2, 'once the move is possible again, both go');
  t.same([await statusOf(db, stuck.id), await statusOf(db, next.id)], ['archived', 'archived']);

  await db.updateTable('shop_settings').set({ archive_after_days: 0 }).execute();
  await sql`update orders set status_entered_at = now() - interval '400 days' where id = ${recent.id}`.execute(db);
  t.equal(await archiveCompletedOrders(db), 0, '0 days: never archive');
});

t.test('an archived order is read-only, out of the everyday list, found by search, listed for admins, and can be taken back out', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const archived = await completedOrder(db, shop, 'Archived neon sign', 60);
  await completedOrder(db, shop, 'Fresh neon sign', 1);
  await archiveCompletedOrders(db);
  t.equal(await statusOf(db, archived.id), 'archived');
  const { client: admin } = await signedInClient(app, db, ['admin']);
  const { client: sales } = await signedInClient(app, db, ['sales']);
  const { client: accounting } = await signedInClient(app, db, ['accounting']);

  const active = textOf((await sales.get('/orders')).body);
  t.ok(active.includes('Fresh') || active.includes(String(archived.number + 1)), 'the active list has the recent order');
  t.notOk(active.includes(`${archived.number} `) && active.includes('Archived'), 'and not the archived one');
  const found = textOf((await sales.get(`/orders?q=${archived.number}`)).body);
  t.match(found, /Archived/, 'a search finds the archived order, marked archived');
  const adminArchive = await admin.get('/orders?archived=1');
  t.equal(adminArchive.statusCode, 200);
  t.match(textOf(adminArchive.body), new RegExp(`${archived.number}`), 'admins list the archive');
  t.notMatch(textOf(adminArchive.body), new RegExp(`${archived.number + 1}`), 'and only the archive there');
  t.notMatch((await sales.get('/orders')).body, /href="\/orders\?archived=1"/, 'other roles have no archive list');
  t.equal((await sales.get('/orders?archived=yes')).statusCode, 400, 'a malformed list address is a 400');

  const page = await sales.get(`/orders/${archived.id}`);
  t.match(textOf(page.body), /This order is archived: it is read-only/);
  t.notMatch(page.body, /Edit order/, 'no Edit button');
  t.match(page.body, /New order from this one/, 'but a repeat order from it is still offered');
  t.notMatch(page.body, /Put in a batch/, 'nor is it put in a batch');
  const editPage = await sales.get(`/orders/${archived.id}/edit`);
  t.equal(editPage.statusCode, 303, 'its edit page sends back to the order before anything is typed');
  t.equal(editPage.headers.location, `/orders/${archived.id}`);
  const edit = await sales.post(`/orders/${archived.id}`, { customerId: String(shop.customerId), salespersonId: '', dueDate: '', notes: 'changed', version: '99' });
  t.ok(edit.statusCode === 422 || edit.statusCode === 409, `an edit is refused (${edit.statusCode})`);
  const payment = await accounting.post(`/orders/${archived.id}/payments`, { amount: '10.00', receivedOn: '2026-12-01', method: 'cash', description: '', correctsId: '' });
  t.equal(payment.statusCode, 422, 'a payment is refused');
  t.match(textOf(payment.body), /This order is archived: it is read-only/, 'the page says why');
  const reopen = await admin.post(`/items/${archived.itemId}/transitions`, { version: String(archived.itemVersion), from: 'picked_up', to: 'awaiting_pickup' });
  t.ok(reopen.statusCode === 422 || reopen.statusCode === 303, 'an item move is answered');
  t.equal((await db.selectFrom('line_items').select('status').where('id', '=', archived.itemId).executeTakeFirstOrThrow()).status, 'picked_up', 'and its items do not move');

  // Taking it out of the archive makes it an ordinary completed order again.
  const version = (await db.selectFrom('orders').select('version').where('id', '=', archived.id).executeTakeFirstOrThrow()).version;
  const back = await sales.post(`/orders/${archived.id}/transitions`, { version: String(version), to: 'completed', reason: '' });
  t.equal(back.statusCode, 303, 'sales take it out of the archive');
  t.equal(await statusOf(db, archived.id), 'completed');
  t.notMatch(textOf((await sales.get(`/orders/${archived.id}`)).body), /This order is archived/);
});
