import { sql } from 'kysely';
import { anyOf } from '../db/any-of.js';
import { compiledOnce } from '../db/compiled.js';
import type { DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { recordEvent, type Actor, type PersonActor } from '../events/record.js';
import { ValidationError } from '../platform/errors.js';
import { touchQueueOfSubject } from '../workflow/queue-changes.js';

/** Tells every open page of the item's queue that something it shows changed (who works on it, its photos). */
export function touchQueueOf(db: DbOrTx, itemId: number): Promise<void> {
  return touchQueueOfSubject(db, 'line_items', itemId);
}

/** Starts this person's clock on the item; several people may work on one item at once. */
export async function startWork(db: DbOrTx, actor: PersonActor, itemId: number): Promise<void> {
  await inTransaction(db, async (tx) => {
    const started = await tx
      .insertInto('work_logs')
      .values({ line_item_id: itemId, user_id: actor.userId, kiosk_id: actor.kioskId })
      .onConflict((oc) => oc.columns(['line_item_id', 'user_id']).where('ended_at', 'is', null).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!started) throw new ValidationError({ work: 'You are already working on this item.' });
    await recordEvent(tx, actor, { subjectType: 'line_item', subjectId: itemId, action: 'work-started' });
    await touchQueueOf(tx, itemId);
  });
}

/** Stops this person's clock: a pause (they will be back) or a finish (their part is done). */
export async function stopWork(db: DbOrTx, actor: PersonActor, itemId: number, how: 'paused' | 'finished'): Promise<number> {
  return inTransaction(db, async (tx) => {
    const stopped = await tx
      .updateTable('work_logs')
      .set({ ended_at: sql<Date>`now()` })
      .where('line_item_id', '=', itemId)
      .where('user_id', '=', actor.userId)
      .where('ended_at', 'is', null)
      .returning(sql<number>`round(extract(epoch from ended_at - started_at) / 60)::int`.as('minutes'))
      .executeTakeFirst();
    if (!stopped) throw new ValidationError({ work: 'You are not working on this item right now.' });
    await recordEvent(tx, actor, { subjectType: 'line_item', subjectId: itemId, action: `work-${how}`, particulars: { minutes: stopped.minutes } });
    await touchQueueOf(tx, itemId);
    return stopped.minutes;
  });
}

/** Everyone still working on an item stops when it leaves production (BUILT, on hold). */
export async function stopEveryonesWork(db: DbOrTx, actor: Actor, itemId: number): Promise<string[]> {
  const stopped = await db
    .updateTable('work_logs')
    .set({ ended_at: sql<Date>`now()` })
    .from('users')
    .whereRef('users.id', '=', 'work_logs.user_id')
    .where('work_logs.line_item_id', '=', itemId)
    .where('work_logs.ended_at', 'is', null)
    .returning(['users.name', sql<number>`round(extract(epoch from work_logs.ended_at - work_logs.started_at) / 60)::int`.as('minutes')])
    .execute();
  for (const log of stopped) {
    await recordEvent(db, actor, { subjectType: 'line_item', subjectId: itemId, action: 'work-stopped', particulars: { worker: log.name, minutes: log.minutes } });
  }
  return stopped.map((log) => log.name);
}

export interface TimeWorked {
  userId: number;
  name: string;
  minutes: number;
  running: boolean;
}

/** Minutes worked on each of these items, per person; a running clock counts up to now. */
function timeWorkedRows(db: DbOrTx) {
  return db
    .selectFrom('work_logs')
    .innerJoin('users', 'users.id', 'work_logs.user_id')
    .select([
      'work_logs.line_item_id as itemId',
      'users.id as userId',
      'users.name',
      sql<number>`round(sum(extract(epoch from coalesce(work_logs.ended_at, now()) - work_logs.started_at)) / 60)::int`.as('minutes'),
      sql<boolean>`bool_or(work_logs.ended_at is null)`.as('running'),
    ])
    .groupBy(['work_logs.line_item_id', 'users.id', 'users.name'])
    .orderBy('users.name');
}

function byItem(rows: { itemId: number; userId: number; name: string; minutes: number; running: boolean }[]): Map<number, TimeWorked[]> {
  const byItem = new Map<number, TimeWorked[]>();
  for (const row of rows) {
    const list = byItem.get(row.itemId) ?? [];
    list.push({ userId: row.userId, name: row.name, minutes: row.minutes, running: row.running });
    byItem.set(row.itemId, list);
  }
  return byItem;
}

export async function timeWorkedOn(db: DbOrTx, itemIds: number[]): Promise<Map<number, TimeWorked[]>> {
  if (itemIds.length === 0) return new Map();
  return byItem(await timeWorkedRows(db).where('work_logs.line_item_id', 'in', itemIds).execute());
}

const orderTimeWorkedRows = compiledOnce((db: DbOrTx, orderId: number) =>
  timeWorkedRows(db).where((eb) => eb('work_logs.line_item_id', '=', anyOf(eb.selectFrom('line_items').select('line_items.id').where('line_items.order_id', '=', orderId)))),
);

/** Time worked on each item of an order, by person. */
export async function timeWorkedOnOrder(db: DbOrTx, orderId: number): Promise<Map<number, TimeWorked[]>> {
  return byItem(await orderTimeWorkedRows(db, orderId));
}

export function totalMinutes(times: TimeWorked[] | undefined): number {
  return (times ?? []).reduce((sum, time) => sum + time.minutes, 0);
}
