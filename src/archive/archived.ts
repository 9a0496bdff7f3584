import { sql, type Expression, type SqlBool } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import { ValidationError } from '../platform/errors.js';

/**
 * An order is archived while its status is one an "archive" move leads to (in the preset,
 * Archived): it is read-only until someone takes it out of the archive.
 */
export function orderArchived(orderId: Expression<number>): Expression<SqlBool> {
  return sql<SqlBool>`exists (select 1 from orders ao join workflow_transitions at on at.workflow = ao.workflow and at.to_status = ao.status and at.intent = 'archive' where ao.id = ${orderId})`;
}

/** Refuses a change to an archived order (or to what belongs to it). */
export async function refuseIfArchived(db: DbOrTx, orderId: number): Promise<void> {
  const row = await db.selectFrom('orders').select(['number', sql<boolean>`${orderArchived(sql<number>`${orderId}::int`)}`.as('archived')]).where('id', '=', orderId).executeTakeFirst();
  if (row?.archived) throw new ValidationError({ form: archivedMessage(row.number) });
}

export const archivedMessage = (orderNumber: number) => `Order ${orderNumber} is archived, so it is read-only. Take it out of the archive first (the order’s moves) to change it.`;

/** The same for a document's owner: an order, or one of its items. */
export async function refuseIfOwnerArchived(db: DbOrTx, owner: { type: string; id: number }): Promise<void> {
  if (owner.type === 'order') return refuseIfArchived(db, owner.id);
  const item = await db.selectFrom('line_items').select('order_id').where('id', '=', owner.id).executeTakeFirst();
  if (item) await refuseIfArchived(db, item.order_id);
}
