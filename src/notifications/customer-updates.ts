import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { enqueueMail } from '../mail/outbox.js';
import { issueToken } from '../platform/tokens.js';
import { itemLabel } from '../platform/format.js';
import { trackingTemplates, trackingUrl } from '../carriers/carriers.js';

export const orderStatusPurpose = 'order-status';
const statusLinkDays = 90;
/** However busy an order is, its customer hears within this many batching windows. */
const longestWaitInWindows = 5;


/** Orders whose updates have been quiet for the shop's window (or waited too long): one email each. */
async function dueOrders(db: DbOrTx, delaySeconds: number): Promise<number[]> {
  const rows = await db
    .selectFrom('customer_updates')
    .select('order_id')
    .groupBy('order_id')
    .having((eb) =>
      eb.or([
        eb(eb.fn.max('created_at'), '<=', sql<Date>`now() - make_interval(secs => ${delaySeconds})`),
        eb(eb.fn.min('created_at'), '<=', sql<Date>`now() - make_interval(secs => ${delaySeconds * longestWaitInWindows})`),
      ]),
    )
    .limit(100)
    .execute();
  return rows.map((row) => row.order_id);
}

/**
 * Sends the waiting status changes of each due order as one email, with a link to the order's
 * status page. The shop's switch, the customer's choice and the order's mute are checked again
 * at sending time: switching emails off also stops what was waiting.
 */
export async function sendCustomerUpdates(db: Db): Promise<number> {
  const settings = await db.selectFrom('shop_settings').select(['customer_emails_enabled', 'customer_email_delay_seconds']).executeTakeFirstOrThrow();
  let sent = 0;
  for (const orderId of await dueOrders(db, settings.customer_email_delay_seconds)) {
    const queued = await inTransaction(db, async (tx) => {
      const updates = await tx.selectFrom('customer_updates').select(['id', 'line_item_id']).where('order_id', '=', orderId).forUpdate().skipLocked().execute();
      if (updates.length === 0) return false;
      await tx.deleteFrom('customer_updates').where('id', 'in', updates.map((u) => u.id)).execute();
      const order = await tx
        .selectFrom('orders')
        .innerJoin('customers', 'customers.id', 'orders.customer_id')
        .select(['orders.id', 'orders.number', 'orders.last_item_number', 'orders.customer_emails_muted', 'customers.name', 'customers.email', 'customers.email_updates'])
        .where('orders.id', '=', orderId)
        .executeTakeFirst();
      const current = await tx.selectFrom('shop_settings').select('customer_emails_enabled').executeTakeFirstOrThrow();
      if (!order || !current.customer_emails_enabled || order.customer_emails_muted || !order.email_updates || order.email === '') return false;

      const changedIds = [...new Set(updates.map((u) => u.line_item_id))];
      const items = await tx
        .selectFrom('line_items')
        .innerJoin('workflow_statuses', (join) => join.onRef('workflow_statuses.workflow', '=', 'line_items.workflow').onRef('workflow_statuses.key', '=', 'line_items.status'))
        .select(['line_items.id', 'line_items.position', 'line_items.description', 'line_items.fulfillment_method', 'line_items.carrier', 'line_items.tracking', 'workflow_statuses.customer_label', 'workflow_statuses.kind', 'workflow_statuses.customer_email', 'workflow_statuses.customer_message'])
        .where('line_items.id', 'in', changedIds)
        .orderBy('line_items.position')
        .execute();
      // An item moved on and back before the email went out: nothing worth telling about it now.
      const worthTelling = items.filter((item) => item.customer_email !== null);
      if (worthTelling.length === 0) return false;
      const templates = await trackingTemplates(tx);
      const { token } = await issueToken(tx, { purpose: orderStatusPurpose, subjectType: 'order', subjectId: order.id, lifetimeMs: statusLinkDays * 86_400_000, createdBy: null });
      await enqueueMail(tx, {
        template: 'order-update',
        to: order.email,
        data: {
          customerName: order.name,
          orderNumber: order.number,
          statusPath: `/status/${token}`,
          items: worthTelling.map((item) => ({
            label: itemLabel(order.number, item.position, order.last_item_number),
            description: item.description,
            statusLabel: item.customer_label,
            kind: item.kind,
            email: item.customer_email ?? '',
            message: item.customer_message,
            fulfillmentMethod: item.fulfillment_method,
            carrier: item.carrier,
            tracking: item.tracking,
            trackingUrl: trackingUrl(templates, item.carrier, item.tracking),
          })),
        },
        idempotencyKey: `order-update:${order.id}:${Math.max(...updates.map((u) => u.id))}`,
      });
      return true;
    });
    if (queued) sent += 1;
  }
  return sent;
}

/** Whether this order's customer hears about it, and if not, the one reason that says why. */
export function customerEmailsState(order: { muted: boolean; customerEmail: string; customerWantsEmail: boolean }, shopSendsThem: boolean): string {
  if (!shopSendsThem) return 'Off: customer emails are switched off for the whole shop (Admin → Settings)';
  if (order.muted) return 'Muted for this order';
  if (!order.customerWantsEmail) return 'Off: the customer asked not to get order emails';
  if (order.customerEmail === '') return 'Off: the customer has no email address';
  return `On: updates go to ${order.customerEmail}`;
}
