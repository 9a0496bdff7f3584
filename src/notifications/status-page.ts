import { documentsOf } from '../documents/documents.js';
import { orderBalance } from '../payments/payments.js';
import type { DbOrTx } from '../db/database.js';
import { findValidToken } from '../platform/tokens.js';
import { itemLabel } from '../platform/format.js';
import { orderStatusPurpose } from './customer-updates.js';
import { trackingTemplates, trackingUrl } from '../carriers/carriers.js';

/** What a customer's status link shows: their one order, each item's status as they say it. */
export async function orderStatusForToken(db: DbOrTx, token: string) {
  const valid = await findValidToken(db, token, orderStatusPurpose);
  if (!valid || valid.subjectType !== 'order') return undefined;
  const order = await db
    .selectFrom('orders')
    .innerJoin('customers', 'customers.id', 'orders.customer_id')
    .select(['orders.id', 'orders.number', 'orders.last_item_number', 'orders.due_date', 'customers.name'])
    .where('orders.id', '=', valid.subjectId)
    .executeTakeFirst();
  if (!order) return undefined;
  const items = await db
    .selectFrom('line_items')
    .innerJoin('workflow_statuses', (join) => join.onRef('workflow_statuses.workflow', '=', 'line_items.workflow').onRef('workflow_statuses.key', '=', 'line_items.status'))
    .select(['line_items.id', 'line_items.position', 'line_items.description', 'line_items.quantity', 'line_items.carrier', 'line_items.tracking', 'line_items.status_entered_at', 'workflow_statuses.customer_label', 'workflow_statuses.kind'])
    .where('line_items.order_id', '=', order.id)
    .orderBy('line_items.position')
    .execute();
  const [documents, balance, templates] = await Promise.all([
    documentsOf(db, [{ type: 'order', id: order.id }, ...items.map((item) => ({ type: 'line_item' as const, id: item.id }))], ['customer']),
    orderBalance(db, order.id),
    trackingTemplates(db),
  ]);
  return {
    // Money shows once there is an invoice or a payment to speak of: a quote-like total before tax would mislead.
    balance: balance.invoiceNumber !== null || Number(balance.paid) !== 0 ? balance : undefined,
    orderId: order.id,
    itemIds: items.map((item) => item.id),
    documents: documents.map((document) => ({ id: document.id, title: document.title, fileName: document.versions[0]?.fileName ?? '', size: document.versions[0]?.size ?? 0 })),
    orderNumber: order.number,
    customerName: order.name,
    dueDate: order.due_date,
    items: items.map((item) => ({
      label: itemLabel(order.number, item.position, order.last_item_number),
      description: item.description,
      quantity: item.quantity,
      statusLabel: item.customer_label,
      kind: item.kind,
      since: item.status_entered_at,
      carrier: item.carrier,
      tracking: item.tracking,
      trackingUrl: trackingUrl(templates, item.carrier, item.tracking),
    })),
  };
}
