import { sql } from 'kysely';
import t from 'tap';
import type { Db } from '../../src/db/database.js';
import { holdItem, markItemBuilt, startItemWork } from '../../src/kiosk/actions.js';
import { addItemNote } from '../../src/production/item-notes.js';
import { loadWorkflow } from '../../src/workflow/definition.js';
import { queueCounts } from '../../src/workflow/queue-changes.js';
import { freshDatabase } from '../helpers/database.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

/**
 * Kiosk actions are one transaction each: moving the item and starting or stopping the clocks
 * (or writing a note and its event) commit together or not at all. Each case makes the second
 * half fail for real, in PostgreSQL, after the first half has run.
 */
async function setup(t: Parameters<typeof freshDatabase>[0]) {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Pylon sign', fulfillmentMethod: 'pickup' }]);
  const itemId = order.items[0]!.id;
  const actor = { userId: shop.production.id, roles: ['production'], kioskId: null, via: 'kiosk test' };
  return { db, shop, itemId, actor, workflow: await loadWorkflow(db, 'production') };
}

const itemNow = (db: Db, id: number) => db.selectFrom('line_items').select(['status', 'version']).where('id', '=', id).executeTakeFirstOrThrow();
const statusEvents = (db: Db, id: number) =>
  db.selectFrom('events').select('to_status').where('subject_type', '=', 'line_item').where('subject_id', '=', id).where('action', '=', 'status-changed').execute();

async function failWhen(db: Db, table: string, when: string, message: string) {
  await sql.raw(`create function test_refuse() returns trigger language plpgsql as $$ begin if ${when} then raise exception '${message}'; end if; return new; end $$`).execute(db);
  await sql.raw(`create trigger test_refuse before insert or update on ${table} for each row execute function test_refuse()`).execute(db);
}

t.test('start: a clock that cannot start leaves the item where it was', async (t) => {
  const { db, itemId, actor, workflow } = await setup(t);
  await failWhen(db, 'work_logs', "tg_op = 'INSERT'", 'clock store unavailable');
  const refused = await startItemWork(db, workflow, actor, itemId, 'pending', 1).catch((e: unknown) => e);
  t.match(refused, { message: /clock store unavailable/ }, 'the clock could not start');
  t.same(await itemNow(db, itemId), { status: 'pending', version: 1 }, 'the move into work was undone with it');
  t.same(await statusEvents(db, itemId), [], 'no event says it moved');
  t.equal((await queueCounts(db, 'production')).wip, 0, 'no queue count moved');
});

t.test('BUILT: if the clocks cannot be stopped, the item is not BUILT either', async (t) => {
  const { db, itemId, actor, workflow } = await setup(t);
  await startItemWork(db, workflow, actor, itemId, 'pending', 1);
  t.same(await itemNow(db, itemId), { status: 'in_progress', version: 2 });
  await failWhen(db, 'work_logs', 'new.ended_at is not null', 'clock store unavailable');
  const failed = await markItemBuilt(db, actor, itemId, 2, 'pickup').catch((e: unknown) => e);
  t.match(failed, { message: /clock store unavailable/ });
  t.same(await itemNow(db, itemId), { status: 'in_progress', version: 2 }, 'still in work');
  t.same((await statusEvents(db, itemId)).map((e) => e.to_status), ['in_progress'], 'no BUILT event');
  const updates = await db.selectFrom('customer_updates').select('id').where('line_item_id', '=', itemId).execute();
  t.same(updates, [], 'no customer email waiting');
  const running = await db.selectFrom('work_logs').select('id').where('line_item_id', '=', itemId).where('ended_at', 'is', null).execute();
  t.equal(running.length, 1, 'the clock still runs, as the item is still in work');

  const hold = await holdItem(db, actor, itemId, 2, 'Router broke', { workflow: await loadWorkflow(db, 'production'), quality: false }).catch((e: unknown) => e);
  t.match(hold, { message: /clock store unavailable/ });
  t.same(await itemNow(db, itemId), { status: 'in_progress', version: 2 }, 'a hold whose clocks cannot stop is undone too');
});

t.test('a note and its event are written together', async (t) => {
  const { db, itemId, actor } = await setup(t);
  await failWhen(db, 'events', "new.action = 'note-added'", 'history unavailable');
  const failed = await addItemNote(db, actor, itemId, 'Customer wants matte finish').catch((e: unknown) => e);
  t.match(failed, { message: /history unavailable/ });
  const notes = await db.selectFrom('item_notes').select('id').where('line_item_id', '=', itemId).execute();
  t.same(notes, [], 'no note without its event');
});
