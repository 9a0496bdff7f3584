import { sql } from 'kysely';
import { refuseIfArchived } from '../archive/archived.js';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { paymentMethods, type PaymentMethod } from '../db/types.js';
import { recordEvent, type Actor } from '../events/record.js';
import { HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formSpec, type FormValues } from '../platform/form-spec.js';
import * as fmt from '../platform/format.js';
import { amountToCents, centsToMoney, signedCents } from '../platform/money.js';

export const methodLabels: Record<PaymentMethod, string> = {
  cash: 'Cash',
  check: 'Check',
  card: 'Card',
  'bank-transfer': 'Bank transfer',
  financing: 'Financing',
  other: 'Other',
};
export const methodOptions = paymentMethods.map((method) => ({ value: method, label: methodLabels[method] }));

/** A payment as accounting enters it. */
export const paymentForm = formSpec({
  amount: { kind: 'text', label: 'Amount', max: 20, required: 'Enter the amount received, like 250.00 (a refund: -250.00).', hint: 'A refund or a correction is a negative amount.' },
  receivedOn: { kind: 'date', label: 'Received on', max: 10, required: 'Enter the day it was received.' },
  method: { kind: 'select', label: 'How it was paid', required: 'Choose how it was paid.', invalid: 'Choose how it was paid.' },
  description: { kind: 'text', label: 'Description', max: 500, hint: 'e.g. “Deposit, 50 %” or the check number.' },
  correctsId: { kind: 'select', label: 'Corrects', placeholder: 'Nothing: a payment of its own', invalid: 'Choose a payment of this order.' },
});
export type PaymentValues = FormValues<typeof paymentForm.fields>;

/**
 * Records money received (or refunded) against an order. Never an edit: a mistake is put right
 * by a correction, a row of its own that names the payment it corrects.
 */
export async function recordPayment(db: Db, actor: Actor, orderId: number, values: PaymentValues, requestKey?: string): Promise<{ id: number; repeated: boolean }> {
  return inTransaction(db, async (tx) => {
    const order = await tx.selectFrom('orders').select(['id', 'number']).where('id', '=', orderId).forUpdate().executeTakeFirst();
    if (!order) throw new HttpError(404, 'There is no such order.');
    await refuseIfArchived(tx, orderId);
    // The same form sent again (a double click, a retried request) waited on the order's lock above and finds its payment.
    if (requestKey) {
      const same = await tx.selectFrom('payments').select(['id', 'order_id']).where('request_key', '=', requestKey).executeTakeFirst();
      if (same?.order_id === orderId) return { id: same.id, repeated: true };
      if (same) throw new ValidationError({ form: 'This form was already used for another order. Reload the page and enter the payment again.' });
    }
    const earlier = await tx.selectFrom('payments').select('id').where('order_id', '=', orderId).execute();
    const errors: FieldErrors = paymentForm.validate(values, { options: { method: methodOptions, correctsId: earlier.map((row) => String(row.id)) } });
    const cents = signedCents(values.amount);
    if (!errors.amount && (cents === undefined || cents === 0)) errors.amount = 'Enter an amount like 250.00 (a refund: -250.00), not zero.';
    if (!errors.receivedOn && values.receivedOn > fmt.today()) errors.receivedOn = 'A payment cannot be received in the future.';
    if (cents !== undefined && cents < 0 && !values.description.trim() && !values.correctsId) errors.description = 'Say what the refund or correction is for.';
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);
    const method = paymentMethods.find((choice) => choice === values.method)!;
    const created = await tx
      .insertInto('payments')
      .values({
        order_id: orderId,
        amount: centsToMoney(cents!),
        received_on: values.receivedOn,
        method,
        description: values.description.trim(),
        corrects_id: values.correctsId ? Number(values.correctsId) : null,
        received_by: actor.userId,
        request_key: requestKey ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
      .catch((error: { code?: string }) => {
        // The same key sent for another order at the same moment: only a forged form does that.
        if (error.code === '23505') throw new ValidationError({ form: 'This form was already used for another order. Reload the page and enter the payment again.' });
        throw error;
      });
    await recordEvent(tx, actor, { subjectType: 'order', subjectId: orderId, action: 'payment-recorded', particulars: { paymentId: created.id, amount: centsToMoney(cents!), method, receivedOn: values.receivedOn } });
    return { id: created.id, repeated: false };
  });
}

export interface OrderBalance {
  total: string;
  /** The invoice the total is taken from; without one, the order's lines not cancelled, before tax. */
  invoiceNumber: string | null;
  paid: string;
  balance: string;
}

/** What is owed, what was received (refunds taken off) and what is still due. */
export function balanceOf(input: { invoice?: { number: string; total: string } | null; owed: string; payments: readonly { amount: string }[] }): OrderBalance {
  const total = input.invoice ? input.invoice.total : input.owed;
  const paid = input.payments.reduce((sum, payment) => sum + amountToCents(payment.amount), 0);
  return { total, invoiceNumber: input.invoice?.number ?? null, paid: centsToMoney(paid), balance: centsToMoney(amountToCents(total) - paid) };
}

/**
 * What is owed on an order: its invoice's total once issued (tax included); before that the
 * total of its lines not cancelled; nothing for a cancelled order.
 */
const amountOwed = sql<string>`coalesce(
  (select i.total from invoices i where i.order_id = orders.id),
  (select coalesce(sum(li.quantity * li.unit_price), 0)
     from line_items li join workflow_statuses ws on ws.workflow = li.workflow and ws.key = li.status
    where li.order_id = orders.id and ws.kind <> 'cancelled'
      and not exists (select 1 from workflow_statuses os where os.workflow = orders.workflow and os.key = orders.status and os.kind = 'cancelled')))`;

/** The order's total, what has been received (refunds taken off), and what is still due. */
export async function orderBalance(db: DbOrTx, orderId: number): Promise<OrderBalance> {
  const row = await db
    .selectFrom('orders')
    .select([
      sql<string>`${amountOwed}::text`.as('total'),
      sql<string | null>`(select i.number from invoices i where i.order_id = orders.id)`.as('invoiceNumber'),
      sql<string>`coalesce((select sum(p.amount) from payments p where p.order_id = orders.id), 0)::text`.as('paid'),
    ])
    .where('orders.id', '=', orderId)
    .executeTakeFirstOrThrow();
  return { total: row.total, invoiceNumber: row.invoiceNumber, paid: row.paid, balance: centsToMoney(amountToCents(row.total) - amountToCents(row.paid)) };
}

/** What a customer still owes across their orders (a cancelled one owes nothing; money received on it is still theirs). */
export async function customerBalance(db: DbOrTx, customerId: number): Promise<{ orders: number; total: string; paid: string; balance: string }> {
  const row = await db
    .selectFrom('orders')
    .select([
      sql<number>`count(*) filter (where orders.status <> 'cancelled')::int`.as('orders'),
      sql<string>`coalesce(sum(${amountOwed}), 0)::text`.as('total'),
      sql<string>`coalesce((select sum(p.amount) from payments p join orders o on o.id = p.order_id where o.customer_id = ${customerId}), 0)::text`.as('paid'),
    ])
    .where('orders.customer_id', '=', customerId)
    .executeTakeFirstOrThrow();
  return { orders: row.orders, total: row.total, paid: row.paid, balance: centsToMoney(amountToCents(row.total) - amountToCents(row.paid)) };
}

/** Payments as an order lists them, oldest first, with who received each (amounts as text, also inside JSON). */
export function paymentRows(db: DbOrTx) {
  return db
    .selectFrom('payments')
    .leftJoin('users', 'users.id', 'payments.received_by')
    .select([
      'payments.id',
      sql<string>`payments.amount::text`.as('amount'),
      'payments.received_on as receivedOn',
      'payments.method',
      'payments.description',
      'payments.corrects_id as correctsId',
      'payments.recorded_at as recordedAt',
      'users.name as receivedBy',
    ])
    .orderBy('payments.id');
}
