import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { FulfillmentMethod, TransitionRequirement } from '../db/types.js';
import { lastActor } from '../events/history.js';
import { recordEvent, type Actor } from '../events/record.js';
import { enqueueMail } from '../mail/outbox.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { isFulfillmentMethod } from './definition.js';

export interface TransitionActor extends Actor {
  userId: number;
  roles: readonly string[];
}

export interface TransitionRequest {
  itemId: number;
  /** The version the person saw; anything else means someone changed the item meanwhile. */
  expectedVersion: number;
  toStatus: string;
  fulfillmentMethod?: string;
  reason?: string;
  carrier?: string;
  tracking?: string;
}

export interface TransitionOutcome {
  itemId: number;
  orderId: number;
  label: string;
  fromStatus: string;
  toStatus: string;
  fromQueue: string | null;
  toQueue: string | null;
  version: number;
  orderCompleted: boolean;
  /** An email was queued (the salesperson's alert): worth nudging the sender now. */
  mailQueued: boolean;
}

/** The item changed under the person's feet; carries what it is now. */
export class ItemConflictError extends ConflictError {
  constructor(
    readonly itemLabel: string,
    readonly currentStatusLabel: string,
    readonly currentVersion: number,
    changedBy: string | null,
  ) {
    super(
      `${itemLabel} was changed by ${changedBy ?? 'someone else'} a moment ago and is now “${currentStatusLabel}”. Nothing was changed; look again and retry if it still applies.`,
    );
  }
}

/** "1042 · 2/4": an item's number is its own for life; after the slash, the highest number the order has given. */
export function itemLabel(orderNumber: number, position: number, lastItemNumber: number): string {
  return `${orderNumber} · ${position}/${lastItemNumber}`;
}

const trackingUrlPattern = /^https?:\/\/\S+$/i;

function validateInput(requires: TransitionRequirement[], request: TransitionRequest, heldFrom: string | null, targetMethod: FulfillmentMethod | null): FieldErrors {
  const errors: FieldErrors = {};
  for (const requirement of requires) {
    if (requirement === 'reason' && !request.reason?.trim()) errors.reason = 'Say why, so the next person knows.';
    if (requirement === 'reason' && (request.reason?.length ?? 0) > 1000) errors.reason = 'Keep the reason under 1000 characters.';
    if (requirement === 'tracking') {
      if (!request.carrier?.trim()) errors.carrier = 'Enter the carrier, e.g. UPS.';
      const tracking = request.tracking?.trim() ?? '';
      if (tracking === '') errors.tracking = 'Enter the tracking number or the tracking link.';
      else if (/^https?:/i.test(tracking) && !trackingUrlPattern.test(tracking)) errors.tracking = 'That tracking link is not a valid web address.';
      else if (tracking.length > 500) errors.tracking = 'That tracking reference is too long.';
    }
    if (requirement === 'fulfillment_method') {
      const method = request.fulfillmentMethod ?? '';
      if (!isFulfillmentMethod(method)) errors.fulfillmentMethod = 'Choose how the customer gets it: pickup, installation, delivery or shipping.';
      else if (targetMethod !== null && method !== targetMethod) errors.fulfillmentMethod = 'The fulfillment method does not match the queue it goes to.';
    }
    if (requirement === 'previous_status' && request.toStatus !== heldFrom) {
      errors.toStatus = 'A held item goes back to where it was before the hold.';
    }
  }
  return errors;
}

/**
 * The one way a line item changes status. In one transaction: checks the version the person
 * saw, the transition and their role, the input the transition requires; moves the item;
 * keeps the queue counters; writes the event; queues the customer's email and alerts the
 * salesperson when the status asks for it.
 */
export async function transitionItem(db: Db, actor: TransitionActor, request: TransitionRequest): Promise<TransitionOutcome> {
  return inTransaction(db, async (tx) => {
    const item = await tx
      .selectFrom('line_items')
      .innerJoin('orders', 'orders.id', 'line_items.order_id')
      .innerJoin('customers', 'customers.id', 'orders.customer_id')
      .select([
        'line_items.id',
        'line_items.order_id',
        'line_items.position',
        'line_items.status',
        'line_items.version',
        'line_items.held_from_status',
        'line_items.fulfillment_method',
        'line_items.description',
        'orders.number as orderNumber',
        'orders.last_item_number as lastItemNumber',
        'orders.salesperson_id as salespersonId',
        'orders.total as orderTotal',
        'orders.customer_emails_muted as muted',
        'customers.email as customerEmail',
        'customers.email_updates as customerWantsEmail',
      ])
      .where('line_items.id', '=', request.itemId)
      .forUpdate(['line_items', 'orders'])
      .executeTakeFirst();
    if (!item) throw new HttpError(404, 'That item no longer exists.');
    const label = itemLabel(item.orderNumber, item.position, item.lastItemNumber);

    // Where it is, where it should go, and the transition between them, in one query.
    const found = await tx
      .selectFrom('workflow_statuses as from')
      .leftJoin('workflow_statuses as to', (join) => join.on('to.key', '=', request.toStatus))
      .leftJoin('workflow_transitions as transition', (join) =>
        join.onRef('transition.from_status', '=', 'from.key').on('transition.to_status', '=', request.toStatus),
      )
      .select([
        'from.label as fromLabel',
        'from.kind as fromKind',
        'from.queue_key as fromQueue',
        'to.key as toKey',
        'to.label as toLabel',
        'to.kind as toKind',
        'to.queue_key as toQueue',
        'to.customer_email as toCustomerEmail',
        'to.fulfillment_method as toMethod',
        'transition.roles',
        'transition.requires',
        'transition.label as transitionLabel',
      ])
      .where('from.key', '=', item.status)
      .executeTakeFirstOrThrow();
    const from = { key: item.status, label: found.fromLabel, kind: found.fromKind, queue_key: found.fromQueue };

    if (item.version !== request.expectedVersion) {
      throw new ItemConflictError(label, from.label, item.version, await lastActor(tx, 'line_item', item.id));
    }
    if (found.toKey === null) throw new HttpError(422, `There is no status “${request.toStatus}”.`);
    const to = { key: found.toKey, label: found.toLabel!, kind: found.toKind!, queue_key: found.toQueue, customer_email: found.toCustomerEmail, fulfillment_method: found.toMethod };
    if (found.roles === null) throw new HttpError(422, `${label} is “${from.label}”; it cannot go to “${to.label}” from there.`);
    const transition = { roles: found.roles, requires: found.requires!, label: found.transitionLabel! };
    if (!transition.roles.some((role) => actor.roles.includes(role))) {
      throw new HttpError(403, `“${transition.label}” is for ${transition.roles.filter((r) => r !== 'admin').join(' or ')} staff.`);
    }
    const errors = validateInput(transition.requires, request, item.held_from_status, to.fulfillment_method);
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);

    const reason = request.reason?.trim() || null;
    const entersHold = to.kind === 'hold';
    const leavesHold = from.kind === 'hold';
    const shipping = transition.requires.includes('tracking');
    const builtWith = transition.requires.includes('fulfillment_method') ? (request.fulfillmentMethod as FulfillmentMethod) : undefined;

    const moveItem = tx
      .updateTable('line_items')
      .set({
        status: to.key,
        status_entered_at: sql<Date>`now()`,
        version: sql<number>`version + 1`,
        updated_at: sql<Date>`now()`,
        ...(entersHold ? { held_from_status: item.status, hold_reason: reason } : {}),
        ...(leavesHold ? { held_from_status: null, hold_reason: null } : {}),
        ...(shipping ? { carrier: request.carrier!.trim(), tracking: request.tracking!.trim() } : {}),
        ...(builtWith ? { fulfillment_method: builtWith } : {}),
        completed_at: to.kind === 'completed' ? sql<Date>`now()` : null,
      })
      .where('id', '=', item.id)
      .returning('version');
    // The item's move and its effect on the queue counts in one statement: one round trip less
    // inside the transaction.
    const deltas = queueDeltas(from.queue_key, to.queue_key);
    const updated =
      deltas.length === 0
        ? await moveItem.executeTakeFirstOrThrow()
        : await tx
            .with('moved', () => moveItem)
            .with('counted', (db) => db.insertInto('queue_changes').values(deltas))
            .selectFrom('moved')
            .select('version')
            .executeTakeFirstOrThrow();

    await recordEvent(tx, actor, {
      subjectType: 'line_item',
      subjectId: item.id,
      action: 'status-changed',
      fromStatus: item.status,
      toStatus: to.key,
      note: reason ?? undefined,
      particulars: {
        orderId: item.order_id,
        label,
        transition: transition.label,
        ...(builtWith ? { fulfillmentMethod: builtWith } : {}),
        ...(shipping ? { carrier: request.carrier!.trim(), tracking: request.tracking!.trim() } : {}),
      },
    });

    if (to.customer_email && !item.muted && item.customerWantsEmail && item.customerEmail !== '') {
      const settings = await tx.selectFrom('shop_settings').select('customer_emails_enabled').executeTakeFirstOrThrow();
      if (settings.customer_emails_enabled) {
        await tx.insertInto('customer_updates').values({ order_id: item.order_id, line_item_id: item.id, status: to.key }).execute();
      }
    }

    let orderCompleted = false;
    let mailQueued = false;
    if (to.kind === 'completed') {
      ({ orderCompleted, mailQueued } = await alertSalesperson(tx, {
        orderId: item.order_id,
        orderNumber: item.orderNumber,
        itemId: item.id,
        label,
        description: item.description,
        statusLabel: to.label,
        salespersonId: item.salespersonId,
        orderTotal: String(item.orderTotal),
      }));
    }

    return {
      itemId: item.id,
      orderId: item.order_id,
      label,
      fromStatus: item.status,
      toStatus: to.key,
      fromQueue: from.queue_key,
      toQueue: to.queue_key,
      version: updated.version,
      orderCompleted,
      mailQueued,
    };
  });
}

/**
 * An item leaving one queue and entering another, as count deltas: appended rows rather than an
 * update of the queues' shared rows, so concurrent changes to the same queues never wait for
 * each other. A move within one queue still records a change, so open pages refresh.
 */
export function queueDeltas(fromQueue: string | null, toQueue: string | null): { queue_key: string; delta: number }[] {
  if (fromQueue === toQueue) return fromQueue ? [{ queue_key: fromQueue, delta: 0 }] : [];
  return [...(fromQueue ? [{ queue_key: fromQueue, delta: -1 }] : []), ...(toQueue ? [{ queue_key: toQueue, delta: 1 }] : [])];
}

interface CompletedItem {
  orderId: number;
  orderNumber: number;
  itemId: number;
  label: string;
  description: string;
  statusLabel: string;
  salespersonId: number | null;
  orderTotal: string;
}

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** Tells the order's salesperson to collect payment; says so when the whole order is done. */
async function alertSalesperson(db: DbOrTx, item: CompletedItem): Promise<{ orderCompleted: boolean; mailQueued: boolean }> {
  const stillOpen = await db
    .selectFrom('line_items')
    .innerJoin('workflow_statuses', 'workflow_statuses.key', 'line_items.status')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('line_items.order_id', '=', item.orderId)
    .where('workflow_statuses.kind', 'in', ['open', 'hold'])
    .executeTakeFirstOrThrow();
  const orderCompleted = Number(stillOpen.count) === 0;
  if (item.salespersonId === null) return { orderCompleted, mailQueued: false };
  // An item reopened and completed again was already reported: payment was asked for once.
  const alreadyAlerted = await db
    .selectFrom('alerts')
    .select('id')
    .where('line_item_id', '=', item.itemId)
    .where('kind', 'in', ['item-completed', 'order-completed'])
    .executeTakeFirst();
  if (alreadyAlerted) return { orderCompleted, mailQueued: false };

  const message = orderCompleted
    ? `Order ${item.orderNumber} is complete: every item is done (last: ${item.label} ${item.statusLabel.toLowerCase()}). Order total ${money.format(Number(item.orderTotal))}: collect the final payment.`
    : `${item.label} ${item.description} was ${item.statusLabel.toLowerCase()}: collect payment if it is due.`;
  const alert = await db
    .insertInto('alerts')
    .values({
      user_id: item.salespersonId,
      kind: orderCompleted ? 'order-completed' : 'item-completed',
      order_id: item.orderId,
      line_item_id: item.itemId,
      message,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const salesperson = await db
    .selectFrom('users')
    .select(['email', 'name', 'alert_emails', 'active'])
    .where('id', '=', item.salespersonId)
    .executeTakeFirst();
  if (salesperson?.alert_emails && salesperson.active) {
    await enqueueMail(db, {
      template: 'sales-alert',
      to: salesperson.email,
      data: { name: salesperson.name, message, orderPath: `/orders/${item.orderId}`, orderCompleted },
      idempotencyKey: `sales-alert:${alert.id}`,
    });
    return { orderCompleted, mailQueued: true };
  }
  return { orderCompleted, mailQueued: false };
}
