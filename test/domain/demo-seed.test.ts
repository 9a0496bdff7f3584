import t from 'tap';
import { seedDemoShop } from '../../src/demo/seed.js';
import { queueCounts } from '../../src/workflow/queue-changes.js';
import { freshDatabase } from '../helpers/database.js';

t.test('the demo shop: a believable sign shop whose queue counts match its items', async (t) => {
  const { db } = await freshDatabase(t);
  const summary = await seedDemoShop(db);
  t.equal(summary.orders, 206, 'two hundred orders, and six new ones on their way through approval');
  const orderStatuses = (await db.selectFrom('orders').select('status').distinct().execute()).map((row) => row.status);
  for (const status of ['draft', 'submitted', 'accounting_review', 'rejected', 'planned', 'in_production', 'completed']) t.ok(orderStatuses.includes(status), `an order is ${status}`);
  const orderQueues = await queueCounts(db, 'order');
  const ordersByQueue = await db
    .selectFrom('orders')
    .innerJoin('workflow_statuses', (join) => join.onRef('workflow_statuses.workflow', '=', 'orders.workflow').onRef('workflow_statuses.key', '=', 'orders.status'))
    .select(['workflow_statuses.queue_key', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workflow_statuses.queue_key', 'is not', null)
    .groupBy('workflow_statuses.queue_key')
    .execute();
  for (const row of ordersByQueue) t.equal(orderQueues[row.queue_key!], Number(row.n), `the ${row.queue_key} count matches its orders`);
  t.equal((await db.selectFrom('orders').select('id').where('copied_from_id', 'is not', null).execute()).length, 1, 'one repeat order');
  const invoices = await db.selectFrom('invoices').innerJoin('payments', 'payments.order_id', 'invoices.order_id').select(['invoices.number', 'invoices.total', 'payments.amount']).orderBy('invoices.number').execute();
  t.equal(invoices.length, 15, 'fifteen completed orders invoiced and paid');
  t.ok(invoices.every((row) => row.total === row.amount && Number(row.total) > 0), 'each paid in full, tax included');
  t.equal(invoices[0]!.number, 'INV-1001');
  const sheets = await db.selectFrom('documents').select(({ fn }) => fn.countAll<string>().as('n')).where('kind', 'in', ['work-sheet', 'price-sheet']).executeTakeFirstOrThrow();
  t.ok(Number(sheets.n) >= 400, 'orders have their work sheet and price sheet');
  t.equal(summary.users, 10);
  const machines = (await db.selectFrom('machines').select('name').orderBy('name').execute()).map((m) => m.name);
  t.same(machines, ['CNC router', 'Large-format printer', 'Laser engraver', 'Vinyl cutter']);
  const materials = (await db.selectFrom('materials').select('name').orderBy('name').execute()).map((m) => m.name);
  t.same(materials, ['Acrylic', 'Aluminum', 'Coroplast', 'PVC', 'Vinyl']);
  const roles = await db.selectFrom('user_roles').select('role').distinct().execute();
  t.ok(roles.length >= 7, 'people with different roles');

  const byStatus = await db.selectFrom('line_items').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  const statuses = new Set(byStatus.map((row) => row.status));
  for (const status of ['pending', 'in_progress', 'on_hold']) t.ok(statuses.has(status), `items are ${status}`);
  t.ok([...statuses].some((s) => s.startsWith('awaiting_')), 'items are BUILT and waiting');
  t.ok(['picked_up', 'installed', 'delivered', 'shipped'].some((s) => statuses.has(s)), 'items are completed');

  const stored = Object.entries(await queueCounts(db, 'production')).map(([key, item_count]) => ({ key, item_count }));
  const actual = await db
    .selectFrom('line_items')
    .innerJoin('workflow_statuses', 'workflow_statuses.key', 'line_items.status')
    .select(['workflow_statuses.queue_key', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('workflow_statuses.queue_key')
    .execute();
  for (const queue of stored) {
    t.equal(queue.item_count, Number(actual.find((row) => row.queue_key === queue.key)?.n ?? 0), `${queue.key} count matches its items`);
  }
  const events = await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('subject_type', '=', 'line_item').executeTakeFirstOrThrow();
  t.ok(Number(events.n) > 300, 'items have a real history');
  t.equal((await db.selectFrom('customer_updates').select('id').execute()).length, 0, 'no old news waits to be emailed');
  t.equal((await db.selectFrom('alerts').select('id').where('read_at', 'is', null).execute()).length, 0, 'nor unread in the app');

  await t.rejects(seedDemoShop(db), /already has orders/, 'refuses a shop with orders');
});
