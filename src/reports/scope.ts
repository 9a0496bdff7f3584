import { sql } from 'kysely';
import { DateTime } from 'luxon';
import type { DbOrTx } from '../db/database.js';
import { itemsMatching, type QueueFilter } from '../production/queue-query.js';

/**
 * Which items a report covers: a batch's, what a queue's filter shows, or (for a period) the
 * items placed in it; a timeline over a period covers every status change in it instead.
 */
export type ReportScope =
  | { kind: 'batch'; batchId: number; name: string }
  | { kind: 'queue'; statuses: readonly string[]; filter: QueueFilter; today: string; name: string }
  | { kind: 'period'; from: string; to: string; timeZone: string; name: string };

/** The first instant of `from` and the first instant after `to`, in the shop's time zone. */
export function periodBounds(scope: { from: string; to: string; timeZone: string }): { start: Date; end: Date } {
  return {
    start: DateTime.fromISO(scope.from, { zone: scope.timeZone }).startOf('day').toJSDate(),
    end: DateTime.fromISO(scope.to, { zone: scope.timeZone }).plus({ days: 1 }).startOf('day').toJSDate(),
  };
}

/** The ids of the items in the scope, as a subquery. */
export function scopedItemIds(db: DbOrTx, scope: ReportScope) {
  if (scope.kind === 'batch') return db.selectFrom('batch_items').select('batch_items.line_item_id as id').where('batch_items.batch_id', '=', scope.batchId);
  if (scope.kind === 'queue') return itemsMatching(db, scope.statuses, scope.filter, scope.today).select('line_items.id');
  const { start, end } = periodBounds(scope);
  return db.selectFrom('line_items').select('line_items.id').where('line_items.created_at', '>=', start).where('line_items.created_at', '<', end);
}

/** How many rows a report of the scope will have (to decide whether it is made in the background). */
export async function scopeSize(db: DbOrTx, scope: ReportScope, report: 'items' | 'timeline' | 'summary'): Promise<number> {
  if (report === 'timeline') {
    const events =
      scope.kind === 'period'
        ? (() => {
            const { start, end } = periodBounds(scope);
            return db.selectFrom('events').where('events.subject_type', '=', 'line_item').where('events.occurred_at', '>=', start).where('events.occurred_at', '<', end);
          })()
        : db.selectFrom('events').where('events.subject_type', '=', 'line_item').where('events.subject_id', 'in', scopedItemIds(db, scope));
    const row = await events.where('events.to_status', 'is not', null).select(sql<number>`count(*)`.as('count')).executeTakeFirstOrThrow();
    return Number(row.count);
  }
  const row = await db.selectFrom(scopedItemIds(db, scope).as('scoped')).select(sql<number>`count(*)`.as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}
