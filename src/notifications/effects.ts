import { sql } from 'kysely';
import { permissions } from '../platform/permissions.js';
import type { Tx } from '../db/database.js';
import type { LineItemTransitionRow } from '../line-items/subject.js';
import { enqueueMail } from '../mail/outbox.js';
import * as fmt from '../platform/format.js';
import type { EffectResult, TransitionEffect, TransitionEvent } from '../workflow/subjects.js';

type LineItemEvent = TransitionEvent<LineItemTransitionRow>;

/** A status that emails the customer: the change waits in customer_updates for the batching window. */
async function queueCustomerUpdate(tx: Tx, { row, to }: LineItemEvent): Promise<void> {
  if (!to.customerEmail || row.muted || !row.customerWantsEmail || row.customerEmail === '') return;
  const settings = await tx.selectFrom('shop_settings').select('customer_emails_enabled').executeTakeFirstOrThrow();
  if (!settings.customer_emails_enabled) return;
  await tx.insertInto('customer_updates').values({ order_id: row.orderId, line_item_id: row.id, workflow: row.workflow, status: to.key }).execute();
}

/** Tells the order's salesperson to collect payment; says so when the whole order is done. */
async function alertSalesperson(tx: Tx, { row, to, label }: LineItemEvent): Promise<EffectResult> {
  if (to.kind !== 'completed') return {};
  const stillOpen = await tx
    .selectFrom('line_items')
    .innerJoin('workflow_statuses', (join) => join.onRef('workflow_statuses.workflow', '=', 'line_items.workflow').onRef('workflow_statuses.key', '=', 'line_items.status'))
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('line_items.order_id', '=', row.orderId)
    .where('workflow_statuses.kind', 'in', ['open', 'hold'])
    .executeTakeFirstOrThrow();
  const orderCompleted = Number(stillOpen.count) === 0;
  if (row.salespersonId === null) return { orderCompleted };
  // An item reopened and completed again was already reported: payment was asked for once.
  const alreadyAlerted = await tx.selectFrom('alerts').select('id').where('line_item_id', '=', row.id).where('kind', 'in', ['item-completed', 'order-completed']).executeTakeFirst();
  if (alreadyAlerted) return { orderCompleted };

  const message = orderCompleted
    ? `Order ${row.orderNumber} is complete: every item is done (last: ${label} ${to.label.toLowerCase()}). Order total ${fmt.money(row.orderTotal)}: collect the final payment.`
    : `${label} ${row.description} was ${to.label.toLowerCase()}: collect payment if it is due.`;
  const alert = await tx
    .insertInto('alerts')
    .values({ user_id: row.salespersonId, kind: orderCompleted ? 'order-completed' : 'item-completed', order_id: row.orderId, line_item_id: row.id, message })
    .returning('id')
    .executeTakeFirstOrThrow();
  const salesperson = await tx.selectFrom('users').select(['email', 'name', 'alert_emails', 'active']).where('id', '=', row.salespersonId).executeTakeFirst();
  if (!salesperson?.alert_emails || !salesperson.active) return { orderCompleted };
  await enqueueMail(tx, {
    template: 'sales-alert',
    to: salesperson.email,
    data: { name: salesperson.name, message, orderPath: `/orders/${row.orderId}`, orderCompleted },
    idempotencyKey: `sales-alert:${alert.id}`,
  });
  return { orderCompleted, mailQueued: true };
}

/** The roles that see every customer's orders, whatever the shop says of sales. */
const seeingEveryOrder = permissions['orders:view'].filter((role) => role !== 'sales');

/** A status may alert every active person holding one of its roles (Admin → Workflows). */
async function alertRoles(tx: Tx, { row, to, label, actor }: LineItemEvent): Promise<void> {
  if (to.alertRoles.length === 0) return;
  const message = `${label} ${row.description} is now “${to.label}”.`;
  await tx
    .insertInto('alerts')
    .columns(['user_id', 'kind', 'order_id', 'line_item_id', 'message'])
    .expression((eb) =>
      eb
        .selectFrom('users')
        .select((inner) => [
          'users.id',
          inner.val('status-entered').as('kind'),
          inner.val(row.orderId).as('order_id'),
          inner.val(row.id).as('line_item_id'),
          inner.val(message).as('message'),
        ])
        .where('users.active', '=', true)
        .where('users.id', '!=', actor.userId ?? 0)
        .where((w) => w.exists(w.selectFrom('user_roles').select('user_roles.role').whereRef('user_roles.user_id', '=', 'users.id').where('user_roles.role', 'in', to.alertRoles)))
        // A salesperson kept to their own customers (src/visibility) hears only of theirs.
        .where(
          sql<boolean>`((select sales_see_all_customers from shop_settings where id)
            or not exists (select 1 from user_roles r where r.user_id = users.id and r.role = 'sales')
            or exists (select 1 from user_roles r where r.user_id = users.id and r.role = any(${seeingEveryOrder}::text[]))
            or exists (select 1 from customers c where c.id = ${row.customerId}::int and c.salesperson_id = users.id))`,
        ),
    )
    .execute();
}


export const lineItemEffects: TransitionEffect[] = [
  { subjectType: 'line_item', name: 'customer-update', run: (tx, event) => queueCustomerUpdate(tx, event as LineItemEvent) },
  { subjectType: 'line_item', name: 'salesperson-alert', run: (tx, event) => alertSalesperson(tx, event as LineItemEvent) },
  { subjectType: 'line_item', name: 'status-alert', run: (tx, event) => alertRoles(tx, event as LineItemEvent) },
];
