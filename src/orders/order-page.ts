import { sql } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import type { DbOrTx } from '../db/database.js';
import { compiledOnce } from '../db/compiled.js';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OrderReviewKind } from '../db/types.js';
import { fulfillmentMethods } from '../line-items/fulfillment.js';
import { lineItemWorkflow } from '../line-items/subject.js';
import { customerEmailsState } from '../notifications/customer-updates.js';
import { HttpError, type FieldErrors } from '../platform/errors.js';
import { can } from '../platform/permissions.js';
import { timeWorkedOnOrder, totalMinutes } from '../production/work-logs.js';
import { getShopSettings } from '../settings/settings.js';
import { documentsOfOrder, visibilityLabels } from '../documents/documents.js';
import { balanceOf, methodLabels, methodOptions, paymentForm, paymentRows, type PaymentValues } from '../payments/payments.js';
import { today } from '../platform/format.js';
import { invoicePreview, invoiceRows } from '../invoices/invoices.js';
import { amountToCents, centsToMoney } from '../platform/money.js';
import { transitionsFor, type Transition } from '../workflow/definition.js';
import { decisionOptions, isPastApproval, mayReview, movesMadeElsewhere, reviewRows, reviewForm, reviewKindLabels, reviewsWaiting } from './approval.js';
import { orderEventText, orderHistory } from './history.js';
import { archivedStatusesOf } from './archive.js';
import { historyWithoutMoney, isMoneyField } from '../visibility/money.js';
import { seesMoney } from '../visibility/scope.js';
import { orderDetail, orderItems } from './queries.js';
import { orderSnapshot, snapshotChanges, type OrderSnapshot, type SnapshotChange } from './snapshot.js';
import { orderWorkflow, rejectionLabel, rejectionReasons } from './subject.js';

/** The review form as the person left it: their choice, reason and comment, and what was wrong. */
export interface ReviewForm {
  kind: string;
  decision: string;
  reasonCode: string;
  comment: string;
  errors: FieldErrors;
}

/** A move's form (plan, archive, cancel) as the person left it. */
export interface MoveForm {
  to: string;
  reason: string;
  errors: FieldErrors;
}

/** The attach form as the person left it (the file itself cannot be kept: they choose it again). */
export interface DocumentForm {
  values: { title: string; visibility: string; documentId: string; attachTo: string };
  errors: FieldErrors;
}

export interface OrderPageState {
  documents?: DocumentForm;
  payment?: { values: PaymentValues; errors: FieldErrors; requestKey?: string };
  review?: ReviewForm;
  move?: MoveForm;
  /** A conflict or refusal to show above the order's workflow. */
  problem?: string;
  /** Why the invoice could not be issued. */
  invoiceProblem?: string;
}


/**
 * The order with its reviews, the orders copied from it, its payments and its invoice, in one
 * statement: each is usually a row or none, and a statement each was most of the page's cost.
 */
const orderWithRecordsRows = compiledOnce((db: DbOrTx, orderId: number) => {
  const onThisOrder = sql.ref<number>('orders.id');
  return orderDetail(db)
    .select([
      jsonArrayFrom(reviewRows(db).where('order_reviews.order_id', '=', onThisOrder)).as('reviews'),
      jsonArrayFrom(db.selectFrom('orders as copy').select(['copy.id', 'copy.number']).where('copy.copied_from_id', '=', onThisOrder).orderBy('copy.number', 'desc').limit(sql.lit(20))).as('copies'),
      jsonArrayFrom(paymentRows(db).where('payments.order_id', '=', onThisOrder)).as('payments'),
      jsonObjectFrom(invoiceRows(db).where('invoices.order_id', '=', onThisOrder)).as('invoice'),
    ])
    .where('orders.id', '=', orderId);
});

async function orderWithRecords(db: DbOrTx, orderId: number) {
  const [row] = await orderWithRecordsRows(db, orderId);
  if (!row) return undefined;
  // Inside JSON, timestamps arrive as text.
  return {
    ...row,
    reviews: row.reviews.map((review) => ({ ...review, decidedAt: new Date(review.decidedAt as unknown as string), snapshot: review.snapshot as OrderSnapshot })),
    payments: row.payments.map((payment) => ({ ...payment, recordedAt: new Date(payment.recordedAt) })),
    invoice: row.invoice && { ...row.invoice, issuedAt: new Date(row.invoice.issuedAt) },
  };
}

export function reviewsFor(roles: readonly string[], status: string): OrderReviewKind[] {
  return reviewsWaiting(status).filter((kind) => mayReview(roles, kind));
}

/** The order page: the order, its items, where it is in its workflow and what this person may do there. */
export async function orderPage(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, orderId: number, state: OrderPageState = {}, statusCode = 200) {
  const { db } = app;
  const roles = request.user!.roles;
  const [record, items, production, orders, settings, documents, history, worked] = await Promise.all([
    orderWithRecords(db, orderId),
    orderItems(db, orderId),
    app.workflows.get(lineItemWorkflow),
    app.workflows.get(orderWorkflow),
    getShopSettings(db),
    documentsOfOrder(db, orderId),
    orderHistory(db, orderId),
    timeWorkedOnOrder(db, orderId),
  ]);
  if (!record) throw new HttpError(404, 'There is no such order.');
  const { reviews, copies, payments, invoice, ...order } = record;
  const lines = items.map((item) => ({ amount: centsToMoney(item.quantity * amountToCents(item.unitPrice)), cancelled: production.statuses.get(item.status)?.kind === 'cancelled' }));
  const orderCancelled = orders.statuses.get(order.status)?.kind === 'cancelled';
  const charges = invoicePreview(lines, settings);
  const balance = balanceOf({ invoice, owed: orderCancelled ? '0' : charges.subtotal, payments });
  const canInvoice = can(roles, 'invoices:issue');
  const invoiceable = !invoice && canInvoice && isPastApproval(orders, order.status) && charges.lines > 0;
  const copiedFrom = order.copiedFromId === null || order.copiedFromNumber === null ? undefined : { id: order.copiedFromId, number: order.copiedFromNumber };
  const workedByPerson = new Map<string, number>();
  for (const times of worked.values()) for (const time of times) workedByPerson.set(time.name, (workedByPerson.get(time.name) ?? 0) + time.minutes);

  // The order's plan is its items': from the first planned start to the last planned end.
  const live = items.filter((item) => production.statuses.get(item.status)?.kind !== 'cancelled');
  const planned = live.filter((item) => item.plannedStart !== null);
  const plan = planned.length === 0 ? null : { start: planned.map((item) => item.plannedStart!).sort()[0]!, end: planned.map((item) => item.plannedEnd!).sort().at(-1)!, items: planned.length, of: live.length };
  const status = orders.statuses.get(order.status)!;
  const archived = archivedStatusesOf(orders).includes(order.status);
  const myReviews = reviewsFor(roles, order.status);
  // What changed since each of this person's kinds of review last looked, when it did in an earlier round.
  const changesSince: { kind: OrderReviewKind; label: string; round: number; changes: SnapshotChange[] }[] = [];
  if (myReviews.length > 0) {
    const now = await orderSnapshot(db, orderId);
    for (const kind of myReviews) {
      const last = reviews.find((review) => review.kind === kind && review.round < order.reviewRound);
      if (last) changesSince.push({ kind, label: reviewKindLabels[kind], round: last.round, changes: snapshotChanges(last.snapshot, now).filter((change) => seesMoney(roles) || !isMoneyField(change.field)) });
    }
  }
  const moves: Transition[] = transitionsFor(orders, order.status, roles).filter((move) => !movesMadeElsewhere.has(move.intent));
  const submit = transitionsFor(orders, order.status, roles).find((move) => move.intent === 'submit');
  const returned = order.status === 'rejected' ? reviews.find((review) => review.decision === 'rejected') : undefined;

  return reply.page(
    'orders/order',
    {
      title: `Order ${order.number}`,
      order,
      items,
      history: seesMoney(roles) ? history : historyWithoutMoney(history),
      orderEventText,
      worked,
      workedByPerson: [...workedByPerson.entries()].sort((a, b) => a[0].localeCompare(b[0])),
      totalMinutes,
      statuses: production.statuses,
      orderStatuses: orders.statuses,
      queues: new Map(production.queues.map((queue) => [queue.key, queue.label])),
      fulfillmentMethods,
      archived,
      plan,
      canManage: can(roles, 'orders:manage') && !archived,
      canCopy: can(roles, 'orders:manage'),
      canBatch: can(roles, 'batches:manage') && !archived && request.scope === null,
      customerEmails: customerEmailsState(order, settings.customerEmailsEnabled),
      copiedFrom,
      copies,
      documents,
      documentForm: state.documents ?? { values: { title: '', visibility: 'internal', documentId: '', attachTo: '' }, errors: {} },
      visibilityLabels,
      canAttach: can(roles, 'documents:attach') && !archived,
      payments,
      balance,
      methodLabels,
      paymentForm,
      paymentOptions: { method: methodOptions, correctsId: payments.map((payment) => ({ value: String(payment.id), label: `#${payment.id}: ${payment.amount} on ${payment.receivedOn}` })) },
      payment: { values: paymentForm.blank({ receivedOn: today() }), errors: {}, ...state.payment, requestKey: state.payment?.requestKey || randomUUID() },
      canRecordPayments: can(roles, 'payments:record') && !archived,
      invoice,
      invoicePreview: invoiceable ? charges : undefined,
      charges,
      cancelledLines: lines.filter((line) => line.cancelled).length,
      invoiceWhy: invoice || !canInvoice ? undefined : orderCancelled ? 'The order is cancelled: there is nothing to invoice.' : charges.lines === 0 ? 'Every item is cancelled: there is nothing to invoice.' : isPastApproval(orders, order.status) ? undefined : 'The invoice is issued once the order is approved.',
      canInvoice,
      invoiceProblem: state.invoiceProblem,
      flow: {
        status,
        submit: submit && can(roles, 'orders:manage') ? submit : undefined,
        myReviews: myReviews.map((kind) => ({ kind, label: reviewKindLabels[kind] })),
        waitingFor: reviewsWaiting(order.status).map((kind) => reviewKindLabels[kind]),
        changesSince,
        moves,
        returned: returned && { ...returned, reasonLabel: rejectionLabel(returned.reasonCode), kindLabel: reviewKindLabels[returned.kind] },
        reviews: reviews.map((review) => ({ ...review, kindLabel: reviewKindLabels[review.kind], reasonLabel: rejectionLabel(review.reasonCode) })),
        reviewForm,
        reviewOptions: {
          kind: myReviews.map((kind) => ({ value: kind, label: reviewKindLabels[kind] })),
          decision: decisionOptions,
          reasonCode: rejectionReasons.map((reason) => ({ value: reason.code, label: reason.label })),
        },
        review: state.review ?? { kind: myReviews[0] ?? '', decision: '', reasonCode: '', comment: '', errors: {} },
        move: state.move ?? { to: '', reason: '', errors: {} },
        problem: state.problem,
      },
    },
    statusCode,
  );
}
