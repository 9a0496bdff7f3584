import { sql } from 'kysely';
import type { Db, DbOrTx, Tx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { OrderApproval, OrderReviewKind, TransitionIntent } from '../db/types.js';
import { lastActor } from '../events/history.js';
import { actingRole } from '../platform/acting.js';
import type { Actor } from '../events/record.js';
import { lineItemWorkflow } from '../line-items/subject.js';
import { HttpError, ValidationError } from '../platform/errors.js';
import { formSpec } from '../platform/form-spec.js';
import { initialStatusOf, loadWorkflow, type Workflow } from '../workflow/definition.js';
import { SubjectConflictError, transition, type TransitionActor, type TransitionOutcome } from '../workflow/engine.js';
import type { TransitionEvent } from '../workflow/subjects.js';
import { orderSnapshot, type OrderSnapshot } from './snapshot.js';
import { approveOrderSheets, refreshApprovedSheets, refreshOrderSheets } from './sheets.js';
import { orderWorkflow, rejectionReasons } from './subject.js';

/** The statuses where each review waits, and where both do (reviews in parallel). Keys of the preset. */
export const reviewStatus: Record<OrderReviewKind, string> = { accounting: 'accounting_review', qa: 'qa_review' };
export const bothReviewsStatus = 'submitted';
export const reviewKinds: readonly OrderReviewKind[] = ['accounting', 'qa'];
export const reviewKindLabels: Record<OrderReviewKind, string> = { accounting: 'Accounting', qa: 'QA' };

/** Whether someone with these roles may make this kind of review (the role is named after the review). */
export function mayReview(roles: readonly string[], kind: OrderReviewKind): boolean {
  return roles.includes('admin') || roles.includes(kind);
}

/** Order moves made by their own forms (submit, reviews) or by Traveler as the items move: never offered as a plain move. */
export const movesMadeElsewhere: ReadonlySet<string> = new Set(['submit', 'approve', 'reject', 'produce', 'complete', 'release']);

/** Reviews still waiting for an order in this status. */
export function reviewsWaiting(status: string): OrderReviewKind[] {
  if (status === bothReviewsStatus) return [...reviewKinds];
  return reviewKinds.filter((kind) => reviewStatus[kind] === status);
}

/**
 * Moves Traveler makes because of another (an order approved releases its items, an item
 * started starts its order) are made on behalf of the person whose move caused them: their
 * name goes on the event, and the move's own roles (admin only, so nobody makes it by hand by
 * mistake) are not theirs to hold.
 */
export function onBehalfOf(actor: Actor): TransitionActor {
  // The event keeps the role the person acted in, not the admin role the move is made with.
  return { userId: actor.userId ?? 0, via: actor.via, roles: ['admin'], role: actor.role !== undefined ? actor.role : actingRole() };
}

export async function orderApprovalSetting(db: DbOrTx): Promise<OrderApproval> {
  const row = await db.selectFrom('shop_settings').select('order_approval').executeTakeFirst();
  return row?.order_approval ?? 'none';
}

/** The order workflow's status that approval ends in: reached by an approval, left by none. */
export function approvedStatusOf(workflow: Workflow): string {
  const reviewing = new Set(workflow.transitions.filter((t) => t.intent === 'approve' || t.intent === 'reject').map((t) => t.from));
  const approved = workflow.transitions.find((t) => t.intent === 'approve' && !reviewing.has(t.to));
  if (!approved) throw new Error('The order workflow has no status that approval ends in.');
  return approved.to;
}

/** Where the items of an order not approved yet wait: where production's release leaves from (none: they go straight in). */
export function releaseFromStatusOf(production: Workflow): string | undefined {
  return production.transitions.find((t) => t.intent === 'release')?.from;
}

/** The production status items wait in until their order is approved (undefined: the shop's workflow has none). */
export async function itemsWaitingStatus(tx: DbOrTx): Promise<string | undefined> {
  return releaseFromStatusOf(await loadWorkflow(tx, lineItemWorkflow));
}

/** Where a new order starts, and where its items do, under the shop's approval setting. */
export async function startingStatuses(tx: DbOrTx): Promise<{ order: string; items: string }> {
  const [approval, orders, production] = await Promise.all([orderApprovalSetting(tx), loadWorkflow(tx, orderWorkflow), loadWorkflow(tx, lineItemWorkflow)]);
  const released = await initialStatusOf(tx, lineItemWorkflow);
  const waiting = releaseFromStatusOf(production);
  if (approval === 'none' || waiting === undefined) return { order: approvedStatusOf(orders), items: released };
  return { order: await initialStatusOf(tx, orderWorkflow), items: waiting };
}

/** An order in this status has not been approved yet: it is to be submitted, or with its reviewers. */
export function isBeforeApproval(orders: Workflow, status: string): boolean {
  return orders.transitions.some((t) => t.from === status && (t.intent === 'submit' || t.intent === 'approve' || t.intent === 'reject'));
}

/** An order in this status was approved (as entered, or by its reviewers) and is not cancelled. */
export function isPastApproval(orders: Workflow, status: string): boolean {
  const kind = orders.statuses.get(status)?.kind;
  return kind !== undefined && kind !== 'cancelled' && !isBeforeApproval(orders, status);
}

/** Where an item added to an order in this status starts: waiting with the others until the order is approved, or in production. */
export async function newItemStatusFor(tx: DbOrTx, orderStatus: string): Promise<string> {
  const [orders, production] = await Promise.all([loadWorkflow(tx, orderWorkflow), loadWorkflow(tx, lineItemWorkflow)]);
  const waiting = releaseFromStatusOf(production);
  return isBeforeApproval(orders, orderStatus) && waiting !== undefined ? waiting : initialStatusOf(tx, lineItemWorkflow);
}

/** Items before their order: the lock order of every transaction (src/db/transaction.ts). */
async function lockItemsOf(tx: Tx, orderId: number): Promise<void> {
  await tx.selectFrom('line_items').select('id').where('order_id', '=', orderId).orderBy('id').forUpdate().execute();
}

async function lockedOrder(tx: Tx, orderId: number, expectedVersion: number) {
  await lockItemsOf(tx, orderId);
  const order = await tx
    .selectFrom('orders')
    .innerJoin('workflow_statuses', (join) => join.onRef('workflow_statuses.workflow', '=', 'orders.workflow').onRef('workflow_statuses.key', '=', 'orders.status'))
    .select(['orders.id', 'orders.number', 'orders.status', 'orders.version', 'orders.review_round as round', 'workflow_statuses.label as statusLabel'])
    .where('orders.id', '=', orderId)
    .forUpdate('orders')
    .executeTakeFirst();
  if (!order) throw new HttpError(404, 'There is no such order.');
  if (order.version !== expectedVersion) throw new SubjectConflictError(`Order ${order.number}`, order.statusLabel, order.version, await lastActor(tx, 'order', orderId));
  return order;
}

/**
 * Sends a draft or returned order to its reviewers (both at once, or accounting first, as the
 * shop has it) with its work sheet and price sheet drawn as it is now.
 */
export async function submitOrder(db: Db, actor: TransitionActor, orderId: number, expectedVersion: number): Promise<TransitionOutcome> {
  return inTransaction(db, async (tx) => {
    await lockedOrder(tx, orderId, expectedVersion);
    const approval = await orderApprovalSetting(tx);
    const outcome = await transition(tx, { type: 'order', id: orderId }, actor, { expectedVersion, to: approval === 'sequence' ? reviewStatus.accounting : bothReviewsStatus });
    await refreshOrderSheets(tx, actor, orderId);
    return outcome;
  });
}

/** A reviewer's decision as the order page asks for it. */
export const reviewForm = formSpec({
  kind: { kind: 'select', label: 'Reviewing for', required: 'Choose which review you are making.', invalid: 'Choose which review you are making.' },
  decision: { kind: 'select', label: 'Your decision', placeholder: 'Choose…', required: 'Choose to approve it or send it back.', invalid: 'Choose to approve it or send it back.' },
  reasonCode: { kind: 'select', label: 'Why it goes back', note: '(when sending it back)', placeholder: '—', invalid: 'Choose why it goes back.' },
  comment: { kind: 'textarea', label: 'Comment for the manager', note: '(needed when sending it back)', max: 1000 },
});
export const decisionOptions = [
  { value: 'approved', label: 'Approve' },
  { value: 'rejected', label: 'Send back to the manager' },
];

export interface ReviewInput {
  kind: OrderReviewKind;
  decision: 'approved' | 'rejected';
  reasonCode: string;
  comment: string;
}

export function checkReview(input: ReviewInput): Record<string, string> {
  const errors: Record<string, string> = {};
  if (input.decision === 'rejected') {
    if (!rejectionReasons.some((reason) => reason.code === input.reasonCode)) errors.reasonCode = 'Choose why it goes back.';
    if (!input.comment.trim()) errors.comment = 'Say what to change, so the manager can fix it.';
  }
  if (input.comment.length > 1000) errors.comment = 'Keep the comment to 1,000 characters or fewer.';
  return errors;
}

/**
 * A reviewer's decision on the order's current round. A rejection returns it to its manager
 * with the reason. An approval sends it to the other review, or, once both have approved this
 * round, approves it, freezes its sheets and releases its items to production.
 */
export async function reviewOrder(db: Db, actor: TransitionActor, orderId: number, expectedVersion: number, input: ReviewInput): Promise<TransitionOutcome> {
  const errors = checkReview(input);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  if (!mayReview(actor.roles, input.kind)) throw new HttpError(403, `Only ${reviewKindLabels[input.kind]} reviews for ${reviewKindLabels[input.kind]}.`);
  return inTransaction(db, async (tx) => {
    const order = await lockedOrder(tx, orderId, expectedVersion);
    const waiting = reviewsWaiting(order.status);
    if (!waiting.includes(input.kind)) {
      throw new HttpError(422, waiting.length === 0 ? `Order ${order.number} is “${order.statusLabel}”: it is not waiting for a review.` : `Order ${order.number} is waiting for ${waiting.map((kind) => reviewKindLabels[kind]).join(' and ')}, not ${reviewKindLabels[input.kind]}.`);
    }
    const snapshot = await orderSnapshot(tx, orderId);
    await tx
      .insertInto('order_reviews')
      .values({
        order_id: orderId,
        round: order.round,
        kind: input.kind,
        decision: input.decision,
        reason_code: input.decision === 'rejected' ? input.reasonCode : null,
        comment: input.comment.trim(),
        decided_by: actor.userId,
        snapshot: JSON.stringify(snapshot),
      })
      .execute();
    if (input.decision === 'rejected') {
      return transition(tx, { type: 'order', id: orderId }, actor, { expectedVersion, to: { intent: 'reject' }, input: { reason: input.comment.trim(), reasonCode: input.reasonCode } });
    }
    const other: OrderReviewKind = input.kind === 'accounting' ? 'qa' : 'accounting';
    const otherApproved = await tx.selectFrom('order_reviews').select('id').where('order_id', '=', orderId).where('round', '=', order.round).where('kind', '=', other).where('decision', '=', 'approved').executeTakeFirst();
    const workflow = await loadWorkflow(tx, orderWorkflow);
    const to = otherApproved ? approvedStatusOf(workflow) : reviewStatus[other];
    const outcome = await transition(tx, { type: 'order', id: orderId }, actor, { expectedVersion, to });
    if (otherApproved) {
      await releaseItems(tx, actor, orderId);
      await approveOrderSheets(tx, actor, orderId);
    }
    return outcome;
  });
}

/**
 * A move offered on the order page (plan, archive, cancel). Cancelling an order cancels its
 * items that are not finished, in the same transaction, on behalf of the same person; an item
 * already finished keeps its status.
 */
export async function moveOrder(db: Db, actor: TransitionActor, orderId: number, expectedVersion: number, to: string | { intent: TransitionIntent }, reason: string): Promise<TransitionOutcome> {
  return inTransaction(db, async (tx) => {
    const order = await lockedOrder(tx, orderId, expectedVersion);
    const outcome = await transition(tx, { type: 'order', id: orderId }, actor, { expectedVersion, to, input: { reason }, allowed: (move) => !movesMadeElsewhere.has(move.intent) });
    if (outcome.to.kind === 'cancelled') {
      const invoice = await tx.selectFrom('invoices').select('number').where('order_id', '=', orderId).executeTakeFirst();
      if (invoice) throw new HttpError(422, `Order ${order.number} has invoice ${invoice.number}, which is final: it cannot be cancelled. Record a refund against it instead.`);
      await cancelItems(tx, actor, orderId, outcome.label, reason);
      await refreshApprovedSheets(tx, actor, orderId);
    }
    return outcome;
  });
}

async function cancelItems(tx: Tx, actor: Actor, orderId: number, orderLabel: string, reason: string): Promise<void> {
  const production = await loadWorkflow(tx, lineItemWorkflow);
  const items = await tx.selectFrom('line_items').select(['id', 'version', 'status']).where('order_id', '=', orderId).orderBy('id').execute();
  const why = `${orderLabel} cancelled${reason.trim() ? `: ${reason.trim()}` : ''}`.slice(0, 1000);
  const unfinished = items.filter((item) => {
    const kind = production.statuses.get(item.status)?.kind;
    return kind !== 'cancelled' && kind !== 'completed';
  });
  const stuck = unfinished.filter((item) => !production.transitions.some((move) => move.from === item.status && move.intent === 'cancel'));
  if (stuck.length > 0) {
    const statuses = [...new Set(stuck.map((item) => production.statuses.get(item.status)?.label ?? item.status))];
    throw new HttpError(422, `${orderLabel} cannot be cancelled: ${stuck.length === 1 ? 'one item is' : `${stuck.length} items are`} in ${statuses.map((label) => `“${label}”`).join(', ')}, which has no Cancel move in the production workflow. Move ${stuck.length === 1 ? 'it' : 'them'} on first, or add the move in Admin → Workflows.`);
  }
  for (const item of unfinished) {
    const cancel = production.transitions.find((move) => move.from === item.status && move.intent === 'cancel')!;
    await transition(tx, { type: 'line_item', id: item.id }, onBehalfOf(actor), { expectedVersion: item.version, to: cancel.to, input: { reason: why } });
  }
}

/** The order's items waiting for its approval go to production. */
async function releaseItems(tx: Tx, actor: Actor, orderId: number): Promise<number> {
  const production = await loadWorkflow(tx, lineItemWorkflow);
  const waiting = releaseFromStatusOf(production);
  if (!waiting) return 0;
  const items = await tx.selectFrom('line_items').select(['id', 'version']).where('order_id', '=', orderId).where('status', '=', waiting).orderBy('id').execute();
  for (const item of items) await transition(tx, { type: 'line_item', id: item.id }, onBehalfOf(actor), { expectedVersion: item.version, to: { intent: 'release' } });
  return items.length;
}

/** The reviews of an order, newest round first, with who decided. */
export function reviewRows(db: DbOrTx) {
  return db
    .selectFrom('order_reviews')
    .leftJoin('users', 'users.id', 'order_reviews.decided_by')
    .select(['order_reviews.id', 'order_reviews.round', 'order_reviews.kind', 'order_reviews.decision', 'order_reviews.reason_code as reasonCode', 'order_reviews.comment', 'order_reviews.decided_at as decidedAt', 'users.name as decidedBy', 'order_reviews.snapshot'])
    .orderBy('order_reviews.round', 'desc')
    .orderBy('order_reviews.decided_at', 'desc');
}

export async function orderReviews(db: DbOrTx, orderId: number) {
  const rows = await reviewRows(db).where('order_reviews.order_id', '=', orderId).execute();
  return rows.map((row) => ({ ...row, snapshot: row.snapshot as OrderSnapshot }));
}

/**
 * An item's move, as its order follows it: production started with the first item started,
 * finished with the last item finished, and back in production when a finished item reopens.
 * Most moves (an item already started moving along, or held) need no statement at all.
 */
export async function orderFollowsItem(tx: Tx, event: TransitionEvent): Promise<void> {
  const { from, to } = event;
  const stillGoing = (kind: string) => kind === 'open' || kind === 'hold';
  if (stillGoing(from.kind) && stillGoing(to.kind) && !from.initial) return;
  if (to.kind === 'hold' || to.initial) return;
  const { orderId, orderMoves } = event.row as unknown as { orderId: number; orderMoves: string[] };
  const wanted = to.kind === 'open' ? ['produce', 'reopen'] : ['complete'];
  if (!wanted.some((move) => orderMoves.includes(move))) return;
  const { rows } = await sql<{ version: number; open: number; produce: string | null; complete: string | null; reopen: string | null; finished: boolean }>`
    select o.version,
           (select count(*)::int from line_items li join workflow_statuses ws on ws.workflow = li.workflow and ws.key = li.status
             where li.order_id = o.id and ws.kind in ('open', 'hold')) as open,
           (select to_status from workflow_transitions t where t.workflow = o.workflow and t.from_status = o.status and t.intent = 'produce' order by t.position limit 1) as produce,
           (select to_status from workflow_transitions t where t.workflow = o.workflow and t.from_status = o.status and t.intent = 'complete' order by t.position limit 1) as complete,
           (select to_status from workflow_transitions t where t.workflow = o.workflow and t.from_status = o.status and t.intent = 'reopen' order by t.position limit 1) as reopen,
           exists (select 1 from workflow_transitions t where t.workflow = o.workflow and t.intent = 'complete' and t.to_status = o.status) as finished
      from orders o
     where o.id = ${orderId}`.execute(tx);
  const order = rows[0];
  if (!order) return;
  const target = order.open === 0 ? order.complete : to.kind === 'open' ? (order.produce ?? (order.finished ? order.reopen : null)) : null;
  if (!target) return;
  await transition(tx, { type: 'order', id: orderId }, onBehalfOf(event.actor), { expectedVersion: order.version, to: target });
}
