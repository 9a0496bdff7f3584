import type { DbOrTx } from '../db/database.js';
import { eventsWithActors } from '../events/history.js';
import { itemLabel } from '../workflow/transition.js';

export async function itemExists(db: DbOrTx, itemId: number): Promise<boolean> {
  return (await db.selectFrom('line_items').select('id').where('id', '=', itemId).executeTakeFirst()) !== undefined;
}

/** One line item with its order, customer, references and full history, newest first. */
export async function itemDetail(db: DbOrTx, itemId: number) {
  const item = await db
    .selectFrom('line_items')
    .innerJoin('orders', 'orders.id', 'line_items.order_id')
    .innerJoin('customers', 'customers.id', 'line_items.customer_id')
    .leftJoin('machines', 'machines.id', 'line_items.machine_id')
    .leftJoin('materials', 'materials.id', 'line_items.material_id')
    .leftJoin('users as assignee', 'assignee.id', 'line_items.assignee_id')
    .select([
      'line_items.id',
      'line_items.order_id as orderId',
      'line_items.position',
      'line_items.description',
      'line_items.quantity',
      'line_items.unit_price as unitPrice',
      'line_items.fulfillment_method as fulfillmentMethod',
      'line_items.due_date as dueDate',
      'line_items.notes',
      'line_items.status',
      'line_items.status_entered_at as statusEnteredAt',
      'line_items.held_from_status as heldFrom',
      'line_items.hold_reason as holdReason',
      'line_items.carrier',
      'line_items.tracking',
      'line_items.version',
      'line_items.expected_work_minutes as expectedWorkMinutes',
      'orders.number as orderNumber',
      'orders.notes as orderNotes',
      'orders.last_item_number as lastItemNumber',
      'customers.id as customerId',
      'customers.name as customerName',
      'machines.name as machine',
      'materials.name as material',
      'assignee.name as assignee',
    ])
    .where('line_items.id', '=', itemId)
    .executeTakeFirst();
  if (!item) return undefined;
  const history = await itemHistory(db, [itemId]);
  return { item, label: itemLabel(item.orderNumber, item.position, item.lastItemNumber), history };
}

export async function itemHistory(db: DbOrTx, itemIds: number[]) {
  if (itemIds.length === 0) return [];
  return eventsWithActors(db).where('events.subject_type', '=', 'line_item').where('events.subject_id', 'in', itemIds).execute();
}
