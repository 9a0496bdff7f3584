import { Migrator, sql } from 'kysely';
import t from 'tap';
import { createDb } from '../../src/db/database.js';
import { migrateToLatest, SqlFileMigrationProvider } from '../../src/db/migrate.js';
import { emptyDatabase } from '../helpers/database.js';

t.test('an order cancelled before cancelling reached its items: upgrading cancels its open items, and leaves the rest', async (t) => {
  const { url } = await emptyDatabase(t);
  const db = createDb(url, 2);
  t.teardown(() => db.destroy());
  const migrated = await new Migrator({ db, provider: new SqlFileMigrationProvider() }).migrateTo('20261205090200_payments');
  t.notOk(migrated.error, 'the database as the previous release left it');

  const customer = await db.insertInto('customers').values({ name: 'Rosa Diaz', updated_at: new Date() }).returning('id').executeTakeFirstOrThrow();
  const order = async (status: string) =>
    (await db.insertInto('orders').values({ customer_id: customer.id, status, total: '30.00', item_count: 3, last_item_number: 3, updated_at: new Date() }).returning(['id', 'number']).executeTakeFirstOrThrow());
  const cancelled = await order('cancelled');
  const going = await order('in_production');
  const item = async (owner: { id: number; number: number }, position: number, status: string) =>
    (await db.insertInto('line_items').values({ order_id: owner.id, order_number: owner.number, customer_id: customer.id, position, description: `Sign ${position}`, quantity: 1, unit_price: '10.00', fulfillment_method: 'pickup', status, search_text: '', updated_at: new Date() }).returning('id').executeTakeFirstOrThrow()).id;
  const stranded = [await item(cancelled, 1, 'pending'), await item(cancelled, 2, 'in_progress')];
  const done = await item(cancelled, 3, 'picked_up');
  const working = await item(going, 1, 'in_progress');
  await sql`update queues q set item_count = (select count(*) from line_items li join workflow_statuses ws on ws.workflow = li.workflow and ws.key = li.status where ws.queue_key = q.key) where q.workflow = 'production'`.execute(db);

  await migrateToLatest(db);
  const statuses = await db.selectFrom('line_items').select(['id', 'status']).orderBy('id').execute();
  t.same(statuses.map((row) => row.status), ['cancelled', 'cancelled', 'picked_up', 'in_progress'], 'the cancelled order’s open items are cancelled; a finished one and another order’s are untouched');
  const events = await db.selectFrom('events').select(['subject_id', 'from_status', 'to_status', 'note']).where('subject_type', '=', 'line_item').orderBy('subject_id').execute();
  t.same(events, stranded.map((id, index) => ({ subject_id: String(id), from_status: ['pending', 'in_progress'][index], to_status: 'cancelled', note: 'Its order was cancelled' })), 'each says why');
  const counts = Object.fromEntries((await db.selectFrom('queues').select(['key', 'item_count']).where('workflow', '=', 'production').execute()).map((row) => [row.key, row.item_count]));
  t.match(counts, { pending: 0, wip: 1 }, 'the queues count what is left');
  t.ok(done && working);
  const reopen = await db.selectFrom('workflow_transitions').select('id').where('workflow', '=', 'order').where('from_status', '=', 'cancelled').execute();
  t.same(reopen, [], 'a cancelled order has no way back');
});

t.test('carriers named after DHL before carriers were data keep their tracking links', async (t) => {
  const { url } = await emptyDatabase(t);
  const db = createDb(url, 2);
  t.teardown(() => db.destroy());
  await new Migrator({ db, provider: new SqlFileMigrationProvider() }).migrateTo('20261206090000_sheets_and_invoices');
  const customer = await db.insertInto('customers').values({ name: 'Rosa Diaz', updated_at: new Date() }).returning('id').executeTakeFirstOrThrow();
  const order = await db.insertInto('orders').values({ customer_id: customer.id, status: 'completed', total: '10.00', item_count: 2, last_item_number: 2, updated_at: new Date() }).returning(['id', 'number']).executeTakeFirstOrThrow();
  for (const [position, carrier] of [[1, ' DHL Express '], [2, 'dhl express']] as const) {
    await db.insertInto('line_items').values({ order_id: order.id, order_number: order.number, customer_id: customer.id, position, description: 'Sign', quantity: 1, unit_price: '5.00', fulfillment_method: 'shipping', status: 'shipped', carrier, tracking: '123', search_text: '', updated_at: new Date() }).execute();
  }
  await migrateToLatest(db);
  const carriers = (await db.selectFrom('carriers').select('name').orderBy('name').execute()).map((row) => row.name);
  t.same(carriers, ['DHL', 'DHL Express', 'FedEx', 'UPS', 'USPS'], 'one carrier for the name, however it was typed');
  const { trackingTemplates, trackingUrl } = await import('../../src/carriers/carriers.js');
  t.equal(trackingUrl(await trackingTemplates(db), 'DHL Express', '123'), 'https://www.dhl.com/en/express/tracking.html?AWB=123');
});
