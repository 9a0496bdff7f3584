import { sql } from 'kysely';
import { archivedMessage } from '../archive/archived.js';
import type { Tx } from '../db/database.js';
import type { FieldErrors } from '../platform/errors.js';
import { ValidationError } from '../platform/errors.js';
import { itemLabel } from '../platform/format.js';
import type { QueueSet } from '../workflow/navigation.js';
import { holdsWorkflowShape, type SubjectType, type TransitionContext } from '../workflow/subjects.js';
import { fulfillmentMethods, isFulfillmentMethod } from './fulfillment.js';
import { lineItemRows } from './queries.js';

/** The workflow line items move through. */
export const lineItemWorkflow = 'production';

/** A line item with what a transition and its effects need of its order and customer, locked. */
async function lockLineItem(tx: Tx, id: number) {
  return lineItemRows(tx)
    .innerJoin('orders', 'orders.id', 'line_items.order_id')
    .innerJoin('customers', 'customers.id', 'orders.customer_id')
    .select([
      'orders.last_item_number as lastItemNumber',
      'orders.salesperson_id as salespersonId',
      'orders.total as orderTotal',
      'orders.customer_emails_muted as muted',
      'customers.email as customerEmail',
      'customers.email_updates as customerWantsEmail',
      sql<boolean>`exists (select 1 from work_logs w where w.line_item_id = line_items.id and w.ended_at is null)`.as('clockRunning'),
      // Which moves the order could make as its items move (src/orders/approval.ts): most item moves need none.
      sql<string[]>`array(select distinct t.intent from workflow_transitions t where t.workflow = orders.workflow and t.from_status = orders.status and t.intent in ('produce', 'complete', 'reopen'))`.as('orderMoves'),
      sql<string | null>`(select i.number from invoices i where i.order_id = orders.id)`.as('orderInvoice'),
      sql<string | null>`(select ws.kind from workflow_statuses ws where ws.workflow = orders.workflow and ws.key = orders.status)`.as('orderStatusKind'),
      // Accounting approved what the order charges, and it is approved now (src/orders/orders.ts, chargesLockedReason).
      sql<boolean>`(exists (select 1 from order_reviews r where r.order_id = orders.id and r.kind = 'accounting' and r.decision = 'approved')
        and not exists (select 1 from workflow_transitions t where t.workflow = orders.workflow and t.from_status = orders.status and t.intent in ('submit', 'approve', 'reject')))`.as('orderChargesApproved'),
      // The order row as locked (a subquery re-reading orders would see the statement's snapshot).
      sql<boolean>`exists (select 1 from workflow_transitions t where t.workflow = orders.workflow and t.to_status = orders.status and t.intent = 'archive')`.as('orderArchived'),
      holdsWorkflowShape(sql.ref('line_items.workflow')),
    ])
    .where('line_items.id', '=', id)
    // The item, then its order: the lock order of every transaction (src/db/transaction.ts).
    .forUpdate(['line_items', 'orders'])
    .executeTakeFirst();
}

export type LineItemTransitionRow = NonNullable<Awaited<ReturnType<typeof lockLineItem>>>;

const trackingUrlPattern = /^https?:\/\/\S+$/i;
/**
 * What carriers print as tracking numbers, several parcels or a bill of lading included: letters
 * and digits with spaces, dashes, slashes, dots, # and commas between. Not quotes, brackets or
 * other markup, which no carrier uses and which would not survive a link.
 */
const trackingNumberPattern = /^[\p{L}\p{N}][\p{L}\p{N}\p{Zs}\-\u2013/.#,]*$/u;

/** BUILT as ordered unless the person said otherwise. */
const methodOf = ({ row, input }: Pick<TransitionContext<LineItemTransitionRow>, 'row' | 'input'>) => input.fulfillmentMethod || row.fulfillmentMethod;

function validate(context: TransitionContext<LineItemTransitionRow>): FieldErrors {
  const { transition, from, to, input, row, roles } = context;
  const errors: FieldErrors = {};
  const cancelling = to.kind === 'cancelled', uncancelling = from.kind === 'cancelled' && to.kind !== 'cancelled';
  // What an order charges is final once invoiced, and a cancelled order's items stay cancelled.
  if (row.orderArchived) {
    errors.form = archivedMessage(row.orderNumber);
  } else if ((cancelling || uncancelling) && row.orderInvoice) {
    errors.form = `Order ${row.orderNumber} has invoice ${row.orderInvoice}, which is final: its items are no longer cancelled or taken back.`;
  } else if (uncancelling && row.orderStatusKind === 'cancelled') {
    errors.form = `Order ${row.orderNumber} is cancelled: its items stay cancelled. Start a new order from it instead.`;
  } else if ((cancelling || uncancelling) && row.orderChargesApproved && !roles.includes('admin')) {
    errors.form = `Accounting approved what order ${row.orderNumber} charges: only an admin cancels its items (or takes them back) now.`;
  }
  if (transition.requires.includes('tracking')) {
    if (!input.carrier?.trim()) errors.carrier = 'Enter the carrier, e.g. UPS.';
    const tracking = input.tracking?.trim() ?? '';
    if (tracking === '') errors.tracking = 'Enter the tracking number or the tracking link.';
    else if (/^https?:/i.test(tracking) && !trackingUrlPattern.test(tracking)) errors.tracking = 'That tracking link is not a valid web address.';
    else if (!/^https?:/i.test(tracking) && !trackingNumberPattern.test(tracking)) errors.tracking = 'Enter the tracking number as the carrier gives it (letters and digits, with spaces, dashes, slashes, dots, # or commas), or the full tracking link.';
    else if (tracking.length > 500) errors.tracking = 'That tracking reference is too long.';
  }
  if (transition.requires.includes('fulfillment_method')) {
    const method = methodOf(context);
    if (!isFulfillmentMethod(method)) errors.fulfillmentMethod = 'Choose how the customer gets it: pickup, installation, delivery or shipping.';
    else if (to.fulfillmentMethod !== null && method !== to.fulfillmentMethod) errors.fulfillmentMethod = 'The fulfillment method does not match the queue it goes to.';
  }
  return errors;
}

export const lineItemSubject: SubjectType<LineItemTransitionRow> = {
  type: 'line_item',
  table: 'line_items',
  noun: 'item',
  lockAndLoad: lockLineItem,
  label: (row) => itemLabel(row.orderNumber, row.position, row.lastItemNumber),
  requirements: [
    { key: 'reason', label: 'A reason' },
    { key: 'previous_status', label: 'Back to where it was before the hold' },
    { key: 'fulfillment_method', label: 'How the customer gets it (pickup, installation, delivery, shipping)' },
    { key: 'tracking', label: 'Carrier and tracking number' },
    { key: 'checklist', label: 'Every required checklist step done (or waived by QA)' },
  ],
  validate,
  /** BUILT goes to one of four queues: the fulfillment method says which. */
  choose(candidates, statuses, row, input) {
    const method = methodOf({ row, input });
    if (candidates.some((t) => t.requires.includes('fulfillment_method')) && !isFulfillmentMethod(method)) {
      throw new ValidationError({ fulfillmentMethod: 'Choose how the customer gets it: pickup, installation, delivery or shipping.' });
    }
    return candidates.find((t) => statuses.get(t.to)?.fulfillmentMethod === method);
  },
  columns(context) {
    const { transition, to, input } = context;
    return {
      ...(transition.requires.includes('tracking') ? { carrier: input.carrier!.trim(), tracking: input.tracking!.trim() } : {}),
      ...(transition.requires.includes('fulfillment_method') ? { fulfillment_method: methodOf(context) } : {}),
      completed_at: to.kind === 'completed' ? sql<Date>`now()` : null,
    };
  },
  particulars(context) {
    const { row, transition, input } = context;
    return {
      orderId: row.orderId,
      ...(transition.requires.includes('fulfillment_method') ? { fulfillmentMethod: methodOf(context) } : {}),
      ...(transition.requires.includes('tracking') ? { carrier: input.carrier!.trim(), tracking: input.tracking!.trim() } : {}),
    };
  },
  customerEmails: [
    { key: 'item-built', label: 'Tell the customer it is built and how they get it' },
    { key: 'item-completed', label: 'Tell the customer it is done' },
    { key: 'item-update', label: 'Tell the customer its new status' },
  ],
  fulfillmentMethods,
};

export const lineItemQueues: QueueSet = { workflow: lineItemWorkflow, subjectTable: lineItemSubject.table };
