import type { DbOrTx } from '../db/database.js';

export async function findOrder(db: DbOrTx, orderId: number) {
  return db
    .selectFrom('orders')
    .innerJoin('customers', 'customers.id', 'orders.customer_id')
    .leftJoin('users as salesperson', 'salesperson.id', 'orders.salesperson_id')
    .select([
      'orders.id',
      'orders.number',
      'orders.due_date as dueDate',
      'orders.notes',
      'orders.total',
      'orders.item_count as itemCount',
      'orders.customer_emails_muted as muted',
      'orders.version',
      'orders.created_at as createdAt',
      'customers.id as customerId',
      'customers.name as customerName',
      'customers.company as customerCompany',
      'customers.email as customerEmail',
      'customers.phone as customerPhone',
      'salesperson.name as salespersonName',
    ])
    .where('orders.id', '=', orderId)
    .executeTakeFirst();
}

export async function orderItems(db: DbOrTx, orderId: number) {
  return db
    .selectFrom('line_items')
    .leftJoin('machines', 'machines.id', 'line_items.machine_id')
    .leftJoin('materials', 'materials.id', 'line_items.material_id')
    .leftJoin('users as assignee', 'assignee.id', 'line_items.assignee_id')
    .select([
      'line_items.id',
      'line_items.position',
      'line_items.description',
      'line_items.quantity',
      'line_items.unit_price as unitPrice',
      'line_items.fulfillment_method as fulfillmentMethod',
      'line_items.due_date as dueDate',
      'line_items.status',
      'line_items.status_entered_at as statusEnteredAt',
      'line_items.hold_reason as holdReason',
      'line_items.carrier',
      'line_items.tracking',
      'machines.name as machine',
      'materials.name as material',
      'assignee.name as assignee',
    ])
    .where('line_items.order_id', '=', orderId)
    .orderBy('line_items.position')
    .execute();
}
