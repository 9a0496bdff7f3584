import { sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import type { Db } from '../../src/db/database.js';
import { inTransaction } from '../../src/db/transaction.js';
import { updateOrder } from '../../src/orders/orders.js';
import { ConflictError } from '../../src/platform/errors.js';
import { transition } from '../../src/workflow/engine.js';
import { freshDatabase } from '../helpers/database.js';
import { itemInput, placeOrder, seedShop } from '../helpers/shop.js';

/** Resolves once `count` other backends of this database wait for a lock. */
async function waitersOnLocks(db: Db, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
    if (rows[0]!.n >= count) return;
    if (Date.now() > deadline) throw new Error(`expected ${count} backends waiting on locks`);
  }
}

t.test('an order edit and a status change on the same order never deadlock', async (t) => {
  const { db, url } = await freshDatabase(t, 6);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'A' }, { description: 'B' }]);
  const [first, second] = order.items;

  // A third session holds the order row, so both contenders queue behind it in a known order:
  // the edit first, then the move. The moment it lets go, the old lock order (order, then items,
  // against item, then order) made them wait on each other and PostgreSQL killed one: a 500.
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  t.teardown(() => holder.end());
  await holder.query('begin');
  await holder.query('select id from orders where id = $1 for update', [order.id]);

  const edit = updateOrder(db, { userId: shop.sales.id, roles: ['sales'] }, order.id, {
    customerId: String(shop.customerId),
    salespersonId: String(shop.sales.id),
    dueDate: '',
    notes: 'edited while a move happened',
    items: [itemInput({ description: 'A' }), itemInput({ description: 'B, bigger' })],
    itemIds: [first!.id, second!.id],
    version: 1,
    muted: false,
  }).then(
    () => 'saved',
    (error: unknown) => error,
  );
  await waitersOnLocks(db, 1);
  const move = transition(db, { type: 'line_item', id: first!.id }, { userId: shop.production.id, roles: ['production'] }, { expectedVersion: 1, to: 'in_progress' }).then(
    () => 'moved',
    (error: unknown) => error,
  );
  await waitersOnLocks(db, 2);
  await holder.query('commit');

  const [edited, moved] = await Promise.all([edit, move]);
  t.equal(edited, 'saved', 'the edit is saved');
  t.ok(moved === 'moved' || moved instanceof ConflictError, `the move either happens or is a conflict the person can retry (${moved instanceof Error ? moved.message : String(moved)})`);
  t.notOk(moved instanceof Error && /deadlock/i.test(moved.message), 'never a deadlock');
  const order2 = await db.selectFrom('orders').select('notes').where('id', '=', order.id).executeTakeFirstOrThrow();
  t.equal(order2.notes, 'edited while a move happened');
});

t.test('a transaction PostgreSQL aborts as a deadlock victim is run once more, then reported as a conflict', async (t) => {
  const { db } = await freshDatabase(t);
  let attempts = 0;
  const result = await inTransaction(db, async () => {
    attempts += 1;
    if (attempts === 1) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
    return 'done';
  });
  t.equal(result, 'done');
  t.equal(attempts, 2, 'run twice');

  attempts = 0;
  const twice = await inTransaction(db, async () => {
    attempts += 1;
    throw Object.assign(new Error('could not serialize access'), { code: '40001' });
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
  t.ok(twice instanceof ConflictError, 'twice in a row: a conflict, not a 500');
  t.equal(attempts, 2);

  attempts = 0;
  const other = await inTransaction(db, async () => {
    attempts += 1;
    throw Object.assign(new Error('unique violation'), { code: '23505' });
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
  t.equal((other as { code?: string }).code, '23505', 'other errors are not retried');
  t.equal(attempts, 1);
});

t.test('completing a reopened item again does not ask the salesperson for payment twice', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ fulfillmentMethod: 'pickup' }, {}]);
  const id = order.items[0]!.id;
  let version = 1;
  const act = async (who: { id: number; roles: readonly string[] }, toStatus: string, extra: Record<string, string> = {}) => {
    version = (await transition(db, { type: 'line_item', id: id }, { userId: who.id, roles: who.roles }, { expectedVersion: version, to: toStatus, input: extra })).version;
  };
  await act(shop.production, 'in_progress');
  await act(shop.production, 'awaiting_pickup', { fulfillmentMethod: 'pickup' });
  await act(shop.sales, 'picked_up');
  await act(shop.admin, 'awaiting_pickup', { reason: 'Customer brought it back for a fix' });
  await act(shop.sales, 'picked_up');
  const alerts = await db.selectFrom('alerts').select(['kind', 'line_item_id']).where('user_id', '=', shop.sales.id).execute();
  t.equal(alerts.length, 1, 'one alert for the item, however often it is completed');
  const events = await db.selectFrom('events').select('id').where('subject_id', '=', id).where('to_status', '=', 'picked_up').execute();
  t.equal(events.length, 2, 'both completions are in the history');
});
