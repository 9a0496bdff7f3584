import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import type { FieldErrors } from '../platform/errors.js';
import type { QueueSet } from '../workflow/navigation.js';
import { holdsWorkflowShape, type SubjectType, type TransitionContext } from '../workflow/subjects.js';

/** The workflow orders move through: their approval path around production. */
export const orderWorkflow = 'order';

/** Why a reviewer sends an order back; the comment says the rest. */
export const rejectionReasons = [
  { code: 'prices', label: 'Prices or totals are wrong' },
  { code: 'missing-information', label: 'Information is missing' },
  { code: 'specification', label: 'Specification or artwork problem' },
  { code: 'terms', label: 'Payment terms or customer account' },
  { code: 'schedule', label: 'The due date cannot be met' },
  { code: 'other', label: 'Something else' },
] as const;
export type RejectionReason = (typeof rejectionReasons)[number]['code'];

export function rejectionLabel(code: string | null | undefined): string {
  return rejectionReasons.find((reason) => reason.code === code)?.label ?? code ?? '';
}

/** An order, locked, with what its transitions and their effects need. Its items are not locked here: see src/orders/approval.ts. */
async function lockOrder(tx: Tx, id: number) {
  return tx
    .selectFrom('orders')
    .select([
      'orders.id',
      'orders.workflow',
      'orders.status',
      'orders.version',
      'orders.held_from_status as heldFrom',
      'orders.number',
      'orders.customer_id as customerId',
      'orders.salesperson_id as salespersonId',
      'orders.review_round as reviewRound',
      holdsWorkflowShape(sql.ref('orders.workflow')),
    ])
    .where('orders.id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export type OrderTransitionRow = NonNullable<Awaited<ReturnType<typeof lockOrder>>>;

function validate({ transition, input }: TransitionContext<OrderTransitionRow>): FieldErrors {
  const errors: FieldErrors = {};
  if (transition.requires.includes('reason_code') && !rejectionReasons.some((reason) => reason.code === input.reasonCode)) {
    errors.reasonCode = 'Choose why it goes back.';
  }
  return errors;
}

export const orderSubject: SubjectType<OrderTransitionRow> = {
  type: 'order',
  table: 'orders',
  noun: 'order',
  lockAndLoad: lockOrder,
  label: (row) => `Order ${row.number}`,
  requirements: [
    { key: 'reason', label: 'A reason' },
    { key: 'reason_code', label: 'Why it goes back (a reason from the list)' },
  ],
  validate,
  columns({ transition }) {
    // Each submission opens a new round of reviews.
    return transition.intent === 'submit' ? { review_round: sql<number>`review_round + 1` } : {};
  },
  particulars({ row, transition, input }) {
    return {
      number: row.number,
      ...(transition.intent === 'submit' ? { round: row.reviewRound + 1 } : {}),
      ...(transition.requires.includes('reason_code') ? { reasonCode: input.reasonCode, round: row.reviewRound } : {}),
    };
  },
  customerEmails: [],
};

export const orderQueues: QueueSet = { workflow: orderWorkflow, subjectTable: orderSubject.table };
