import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import * as fmt from '../platform/format.js';

/** What a reviewer saw of an order, in words: kept with each review to show what changed since. */
export interface OrderSnapshot {
  customer: string;
  dueDate: string;
  notes: string;
  total: string;
  items: SnapshotItem[];
}

export interface SnapshotItem {
  id: number;
  label: string;
  fields: Record<string, string>;
}

export async function orderSnapshot(db: DbOrTx, orderId: number): Promise<OrderSnapshot> {
  const order = await db
    .selectFrom('orders')
    .innerJoin('customers', 'customers.id', 'orders.customer_id')
    .select(['orders.number', 'orders.due_date', 'orders.notes', 'orders.total', 'orders.last_item_number', 'customers.name as customer'])
    .where('orders.id', '=', orderId)
    .executeTakeFirstOrThrow();
  const items = await db
    .selectFrom('line_items')
    .leftJoin('machines', 'machines.id', 'line_items.machine_id')
    .leftJoin('materials', 'materials.id', 'line_items.material_id')
    .select([
      'line_items.id',
      'line_items.position',
      'line_items.description',
      'line_items.quantity',
      'line_items.unit_price',
      'line_items.due_date',
      'line_items.fulfillment_method',
      'line_items.notes',
      'machines.name as machine',
      'materials.name as material',
      sql<string>`(line_items.quantity * line_items.unit_price)::text`.as('amount'),
    ])
    .where('line_items.order_id', '=', orderId)
    .orderBy('line_items.position')
    .execute();
  return {
    customer: order.customer,
    dueDate: order.due_date ? fmt.date(order.due_date) : 'none',
    notes: order.notes,
    total: fmt.money(order.total),
    items: items.map((item) => ({
      id: item.id,
      label: fmt.itemLabel(order.number, item.position, order.last_item_number),
      fields: {
        Description: item.description,
        Quantity: String(item.quantity),
        'Unit price': fmt.money(item.unit_price),
        Amount: fmt.money(item.amount),
        Machine: item.machine ?? 'none',
        Material: item.material ?? 'none',
        'Due date': item.due_date ? fmt.date(item.due_date) : 'none',
        Fulfillment: item.fulfillment_method,
        Notes: item.notes,
      },
    })),
  };
}

export interface SnapshotChange {
  /** "Order" or the item's label. */
  what: string;
  field: string;
  from: string;
  to: string;
}

/** What changed between two snapshots of one order, field by field; items added or removed are one change each. */
export function snapshotChanges(before: OrderSnapshot, after: OrderSnapshot): SnapshotChange[] {
  const changes: SnapshotChange[] = [];
  for (const [field, key] of [['Customer', 'customer'], ['Due date', 'dueDate'], ['Notes', 'notes'], ['Total', 'total']] as const) {
    if (before[key] !== after[key]) changes.push({ what: 'Order', field, from: before[key], to: after[key] });
  }
  const earlier = new Map(before.items.map((item) => [item.id, item]));
  for (const item of after.items) {
    const was = earlier.get(item.id);
    if (!was) {
      changes.push({ what: item.label, field: 'Added', from: '', to: `${item.fields.Quantity} × ${item.fields.Description}` });
      continue;
    }
    earlier.delete(item.id);
    for (const [field, value] of Object.entries(item.fields)) {
      const old = was.fields[field] ?? '';
      if (old !== value) changes.push({ what: item.label, field, from: old, to: value });
    }
  }
  for (const gone of earlier.values()) changes.push({ what: gone.label, field: 'Removed', from: `${gone.fields.Quantity} × ${gone.fields.Description}`, to: '' });
  return changes;
}
