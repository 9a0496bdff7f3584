import type { ExpressionBuilder } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import type { Database } from '../db/types.js';
import { itemLabel } from '../platform/format.js';

/** A line item's own columns, as every page and the engine name them. */
const lineItemColumns = [
  'line_items.id',
  'line_items.order_id as orderId',
  'line_items.order_number as orderNumber',
  'line_items.customer_id as customerId',
  'line_items.position',
  'line_items.description',
  'line_items.quantity',
  'line_items.unit_price as unitPrice',
  'line_items.fulfillment_method as fulfillmentMethod',
  'line_items.due_date as dueDate',
  'line_items.notes',
  'line_items.workflow',
  'line_items.status',
  'line_items.status_entered_at as statusEnteredAt',
  'line_items.held_from_status as heldFrom',
  'line_items.hold_reason as holdReason',
  'line_items.carrier',
  'line_items.tracking',
  'line_items.version',
  'line_items.expected_work_minutes as expectedWorkMinutes',
] as const;

/** A line item as pages show it: its own columns and the names of what it refers to. */
export function lineItems(db: DbOrTx) {
  return db
    .selectFrom('line_items')
    .leftJoin('machines', 'machines.id', 'line_items.machine_id')
    .leftJoin('materials', 'materials.id', 'line_items.material_id')
    .leftJoin('users as assignee', 'assignee.id', 'line_items.assignee_id')
    .select([...lineItemColumns, 'machines.name as machine', 'materials.name as material', 'assignee.name as assignee']);
}

/** A line item's own columns alone, for the engine's lock-and-load: no lookups it does not need. */
export function lineItemRows(db: DbOrTx) {
  return db.selectFrom('line_items').select(lineItemColumns);
}

/** Still to be finished: open or on hold, in its own workflow. */
export function isUnfinished(eb: ExpressionBuilder<Database, 'line_items'>) {
  return eb.exists(
    eb
      .selectFrom('workflow_statuses')
      .select('workflow_statuses.key')
      .whereRef('workflow_statuses.workflow', '=', 'line_items.workflow')
      .whereRef('workflow_statuses.key', '=', 'line_items.status')
      .where('workflow_statuses.kind', 'in', ['open', 'hold']),
  );
}

/** "1042 · 2/4", or undefined when there is no such item. */
export async function lineItemLabel(db: DbOrTx, itemId: number): Promise<string | undefined> {
  const row = await db
    .selectFrom('line_items')
    .innerJoin('orders', 'orders.id', 'line_items.order_id')
    .select(['orders.number', 'line_items.position', 'orders.last_item_number'])
    .where('line_items.id', '=', itemId)
    .executeTakeFirst();
  return row && itemLabel(row.number, row.position, row.last_item_number);
}

export async function itemExists(db: DbOrTx, itemId: number): Promise<boolean> {
  return (await db.selectFrom('line_items').select('id').where('id', '=', itemId).executeTakeFirst()) !== undefined;
}
