import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { transitionIntents, type FulfillmentMethod, type StatusKind, type TransitionIntent, type TransitionRequirement, type WaitsOn } from '../db/types.js';
import { lastActor } from '../events/history.js';
import { recordEvent, type Actor } from '../events/record.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { roles as roleNames } from '../platform/permissions.js';
import { loadWorkflow, type Queue, type Status, type Transition, type Workflow } from '../workflow/definition.js';
import { touchWorkflowQueues } from '../workflow/queue-changes.js';
import { reshapeWorkflow, subjectType, type SubjectRow, type SubjectType } from '../workflow/subjects.js';
import {
  newQueueChoice,
  newQueueForm,
  newStatusForm,
  queueForm,
  queueOptions,
  statusForm,
  statusKinds,
  statusOptions,
  transitionForm,
  transitionOptions,
  waitsOnChoices,
  type NewQueueInput,
  type NewStatusInput,
  type QueueFields,
  type StatusFields,
  type TransitionInput,
} from './forms.js';

export type { NewQueueInput, NewStatusInput, QueueFields, StatusFields, TransitionInput } from './forms.js';

/**
 * Admin → Workflows: every edit to a workflow's statuses, transitions and queues. Each runs in
 * one transaction that locks the workflow's row, checks the revision the admin saw, writes,
 * checks the whole graph as it now stands, bumps the revision (so every app instance reads the
 * workflow afresh) and records one event.
 */

export const keyPattern = /^[a-z][a-z0-9_]{0,39}$/;
const minutesPer = { hours: 60, days: 1440 } as const;
const longestExpectedMinutes = 366 * 1440;

export interface EditResult {
  /** The key (or transition id) of what was added, changed or deleted. */
  key: string;
  revision: number;
}

/** The workflow changed since the admin read it: nothing was written. */
export class WorkflowConflictError extends ConflictError {
  constructor(workflowLabel: string, changedBy: string | null) {
    super(
      `${changedBy ?? 'Someone else'} changed the ${workflowLabel} workflow while you were editing it, so nothing was saved. ` +
        'What you entered is kept below: check it against the workflow as it is now and save again.',
    );
  }
}

export function keyFromLabel(label: string): string {
  const slug = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+/, '')
    .slice(0, 40)
    .replace(/_+$/, '');
  return keyPattern.test(slug) ? slug : '';
}

export function blankStatusInput(workflow: Workflow): NewStatusInput {
  return newStatusForm(subjectType(workflow.subjectType).noun).blank({ queueKey: workflow.queues[0]?.key ?? '', kind: 'open', expectedUnit: 'hours', waitsOn: 'shop', holdAndCancel: true });
}

export function statusInputOf(status: Status): StatusFields {
  const minutes = status.expectedMinutes;
  const inDays = status.expectedUnit === 'days';
  return {
    label: status.label,
    customerLabel: status.customerLabel,
    queueKey: status.queueKey ?? '',
    kind: status.kind,
    expectedAmount: minutes === null ? '' : inDays ? String(Math.round((minutes / 1440) * 100) / 100) : String(Math.round((minutes / 60) * 100) / 100),
    expectedUnit: inDays ? 'days' : 'hours',
    waitsOn: status.waitsOn,
    customerEmail: status.customerEmail ?? '',
    customerMessage: status.customerMessage,
    alertRoles: [...status.alertRoles],
    qualityHold: status.qualityHold,
    initial: status.initial,
    fulfillmentMethod: status.fulfillmentMethod ?? '',
  };
}

export function blankTransitionInput(): TransitionInput {
  return transitionForm.blank({ intent: 'advance' });
}

export function transitionInputOf(transition: Transition): TransitionInput {
  return { from: transition.from, to: transition.to, label: transition.label, intent: transition.intent, roles: [...transition.roles], requires: [...transition.requires] };
}

export function blankQueueInput(workflow: Workflow): NewQueueInput {
  return newQueueForm.blank({ position: String(Math.max(0, ...workflow.queues.map((queue) => queue.position)) + 1) });
}

export function queueInputOf(queue: Queue): QueueFields {
  return { label: queue.label, position: String(queue.position), ownerRoles: [...queue.ownerRoles] };
}

// ---------------------------------------------------------------------------------------------
// The whole graph

function quoted(labels: string[]): string {
  const shown = labels.length > 6 ? labels.slice(0, 5) : labels;
  const each = shown.map((label) => `“${label}”`);
  if (labels.length > shown.length) return `${each.join(', ')} and ${labels.length - shown.length} more`;
  return each.length <= 1 ? (each[0] ?? '') : `${each.slice(0, -1).join(', ')} and ${each.at(-1)}`;
}

/** What is wrong with the workflow as a whole, in words an admin can act on (empty: nothing). */
export function graphProblems(workflow: Workflow): string[] {
  const statuses = [...workflow.statuses.values()];
  const initial = statuses.filter((status) => status.initial);
  if (initial.length === 0) return ['No status is marked “New items start here”: every workflow needs at least one.'];
  const problems: string[] = [];
  // Items of an order waiting for approval start where the release to production leaves from.
  const released = workflow.transitions.filter((transition) => transition.intent === 'release').map((transition) => transition.from);
  const reached = new Set([...initial.map((status) => status.key), ...released]);
  const waiting = [...reached];
  // A move back to where an item was before its hold reaches nothing the item had not reached already.
  const leadOn = workflow.transitions.filter((transition) => !transition.requires.includes('previous_status'));
  while (waiting.length > 0) {
    const from = waiting.shift()!;
    for (const transition of leadOn) {
      if (transition.from === from && !reached.has(transition.to)) {
        reached.add(transition.to);
        waiting.push(transition.to);
      }
    }
  }
  const unreachable = statuses.filter((status) => !reached.has(status.key));
  if (unreachable.length > 0) {
    const single = unreachable.length === 1;
    problems.push(
      `${quoted(unreachable.map((s) => s.label))} cannot be reached from where items start (${quoted(initial.map((s) => s.label))}): ` +
        `add a move into ${single ? 'it' : 'each of them'}.`,
    );
  }
  const deadEnds = statuses.filter((status) => (status.kind === 'open' || status.kind === 'hold') && !workflow.transitions.some((t) => t.from === status.key));
  if (deadEnds.length > 0) {
    const single = deadEnds.length === 1;
    problems.push(
      `${quoted(deadEnds.map((s) => s.label))} ${single ? 'is a dead end' : 'are dead ends'}: nothing moves an item out again. ` +
        `Add a move out of ${single ? 'it' : 'each of them'}, or make ${single ? 'it' : 'them'} completed or cancelled.`,
    );
  }
  for (const transition of workflow.transitions) {
    const from = workflow.statuses.get(transition.from);
    if (transition.requires.includes('previous_status') && from?.kind !== 'hold') {
      problems.push(`“${transition.label}” from “${from?.label ?? transition.from}” goes back to where the item was before its hold, so it must start from an on-hold status.`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The one transaction every edit runs in

interface EditContext {
  tx: Tx;
  workflow: Workflow;
  subject: SubjectType<SubjectRow>;
}

interface Change {
  key: string;
  particulars: Record<string, unknown>;
}

async function editWorkflow(db: DbOrTx, actor: Actor, workflowKey: string, expectedRevision: number, action: string, change: (context: EditContext) => Promise<Change>): Promise<EditResult> {
  return inTransaction(db, async (tx) => {
    // Serialises editors of this workflow; new subject rows (which key-share the row) are not held up.
    const row = await tx.selectFrom('workflows').select(['id', 'label', 'revision']).where('key', '=', workflowKey).forNoKeyUpdate().executeTakeFirst();
    if (!row) throw new HttpError(404, 'There is no such workflow.');
    const revision = Number(row.revision);
    if (revision !== expectedRevision) throw new WorkflowConflictError(row.label, await lastActor(tx, 'workflow', row.id));
    const workflow = await loadWorkflow(tx, workflowKey);
    const done = await change({ tx, workflow, subject: subjectType(workflow.subjectType) });
    const problems = graphProblems(await loadWorkflow(tx, workflowKey));
    if (problems.length > 0) throw new ValidationError({ form: `Not saved: ${problems.join(' ')}` });
    await tx.updateTable('workflows').set({ revision: revision + 1 }).where('key', '=', workflowKey).execute();
    await touchWorkflowQueues(tx, workflowKey);
    await recordEvent(tx, actor, { subjectType: 'workflow', subjectId: row.id, action, particulars: { workflow: workflowKey, key: done.key, ...done.particulars } });
    return { key: done.key, revision: revision + 1 };
  });
}

function refuseIfAny(errors: FieldErrors): void {
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
}

// ---------------------------------------------------------------------------------------------
// Field checks: each field on its own comes from its form's spec (forms.ts); what depends on
// the rest of the workflow is checked here.

/** The status fields the spec checks; the key and the expected time (with its unit) are checked below. */
const statusChecked = ['label', 'customerLabel', 'kind', 'queueKey', 'waitsOn', 'customerEmail', 'customerMessage', 'alertRoles', 'fulfillmentMethod'] as const;

/** The key typed, or one made from the name; '' when neither gives a usable key (with its message). */
function chooseKey(errors: FieldErrors, typed: string, label: string, taken: (key: string) => string | undefined, what: string): string {
  const key = typed === '' ? keyFromLabel(label) : typed;
  if (typed !== '' && !keyPattern.test(typed)) {
    errors.key = 'Use lowercase letters, digits and _ (at most 40), starting with a letter, e.g. proof_approval.';
    return '';
  }
  if (key === '') {
    if (!errors.label) errors.key = 'Type a key: lowercase letters, digits and _, starting with a letter.';
    return '';
  }
  const holder = taken(key);
  if (holder !== undefined) {
    errors.key = `The ${what} “${holder}” already has the key “${key}”. Type another key${typed === '' ? ' or change the name' : ''}.`;
    return '';
  }
  return key;
}

function expectedMinutes(errors: FieldErrors, amount: string, unit: string): number | null {
  if (amount === '') return null;
  const normalized = amount.replace(',', '.');
  const factor = minutesPer[unit as keyof typeof minutesPer];
  if (!/^\d{1,6}(\.\d{1,2})?$/.test(normalized) || factor === undefined) {
    errors.expectedAmount = 'Enter a number of hours or days, like 4 or 1.5, or leave it empty.';
    return null;
  }
  const minutes = Math.round(Number(normalized) * factor);
  if (minutes < 1) errors.expectedAmount = 'Enter more than zero, or leave it empty.';
  else if (minutes > longestExpectedMinutes) errors.expectedAmount = 'Enter at most a year.';
  return minutes;
}

interface StatusRow {
  label: string;
  customer_label: string;
  queue_key: string | null;
  kind: StatusKind;
  expected_minutes: number | null;
  expected_unit: 'hours' | 'days';
  waits_on: WaitsOn;
  customer_email: string | null;
  customer_message: string;
  alert_roles: string[];
  quality_hold: boolean;
  initial: boolean;
  fulfillment_method: FulfillmentMethod | null;
}

/** The status's columns from the form, adding the messages that depend on the rest of the workflow. */
function statusColumns(errors: FieldErrors, input: StatusFields, { workflow, subject }: EditContext, ownKey: string | null): StatusRow {
  const sameName = [...workflow.statuses.values()].find((status) => status.key !== ownKey && status.label.toLowerCase() === input.label.trim().toLowerCase());
  if (!errors.label && sameName) errors.label = `There is already a status called “${sameName.label}”: people could not tell the two apart.`;
  const kind = statusKinds.find((choice) => choice === input.kind);
  const queueKey = input.queueKey === '' ? null : input.queueKey;
  if (queueKey === null) {
    if (kind === 'open' || kind === 'hold') errors.queueKey = 'Items in an open or on-hold status need a queue to be listed in.';
  } else if (kind === 'completed' || kind === 'cancelled') {
    errors.queueKey = 'A completed or cancelled item is done: choose “No queue”, or it would stay in the queue for good.';
  }
  const minutes = expectedMinutes(errors, input.expectedAmount, input.expectedUnit);
  const waitsOn = waitsOnChoices.find((choice) => choice === input.waitsOn);
  const fulfillmentMethod = input.fulfillmentMethod === '' ? null : (subject.fulfillmentMethods?.find((method) => method.key === input.fulfillmentMethod)?.key ?? null);
  return {
    label: input.label,
    customer_label: input.customerLabel === '' ? input.label : input.customerLabel,
    queue_key: queueKey,
    kind: kind ?? 'open',
    expected_minutes: minutes,
    expected_unit: input.expectedUnit === 'days' ? 'days' : 'hours',
    waits_on: waitsOn ?? 'shop',
    customer_email: input.customerEmail === '' ? null : input.customerEmail,
    customer_message: input.customerMessage,
    alert_roles: [...new Set(input.alertRoles)],
    quality_hold: kind === 'hold' && input.qualityHold,
    initial: input.initial,
    fulfillment_method: fulfillmentMethod,
  };
}

interface TransitionRow {
  from_status: string;
  to_status: string;
  label: string;
  intent: TransitionIntent;
  roles: string[];
  requires: TransitionRequirement[];
}

/** The move's columns from the form, with its spec's messages and those that depend on the rest of the workflow. */
function transitionColumns(input: TransitionInput, { workflow, subject }: EditContext, ownId: number | null): { errors: FieldErrors; columns: TransitionRow } {
  const errors = transitionForm.validate(input, { options: transitionOptions(workflow, subject, roleNames) });
  const from = workflow.statuses.get(input.from);
  const to = workflow.statuses.get(input.to);
  if (from && to && from.key === to.key) errors.to = 'Choose a different status from the one it moves from.';
  else if (from && to) {
    const twin = workflow.transitions.find((t) => t.from === from.key && t.to === to.key && t.id !== ownId);
    if (twin) errors.to = `There is already a move from “${from.label}” to “${to.label}” (“${twin.label}”): change that one instead.`;
  }
  const intent = transitionIntents.find((choice) => choice === input.intent);
  const requires = subject.requirements.map((requirement) => requirement.key).filter((key) => input.requires.includes(key));
  return { errors, columns: { from_status: input.from, to_status: input.to, label: input.label, intent: intent ?? 'advance', roles: [...new Set(input.roles)], requires } };
}

function queueColumns(input: QueueFields): { errors: FieldErrors; columns: { label: string; position: number; owner_roles: string[] } } {
  const errors = queueForm.validate(input, { options: queueOptions(roleNames) });
  return { errors, columns: { label: input.label, position: Number(input.position), owner_roles: [...new Set(input.ownerRoles)] } };
}

// ---------------------------------------------------------------------------------------------
// Statuses

/** Items (or other subjects) in the status now, or on hold from it. */
async function subjectsHeldBy(tx: Tx, context: EditContext, status: string): Promise<number> {
  const holdStatuses = [...context.workflow.statuses.values()].filter((s) => s.kind === 'hold').map((s) => s.key);
  const result = await sql<{ count: string }>`
    select count(*) as count from ${sql.table(context.subject.table)}
     where workflow = ${context.workflow.key}
       and (status = ${status} or (status = any(${sql.val(holdStatuses)}::text[]) and held_from_status = ${status}))`.execute(tx);
  return Number(result.rows[0]?.count ?? 0);
}

async function subjectsIn(tx: Tx, context: EditContext, status: string): Promise<number> {
  const result = await sql<{ count: string }>`
    select count(*) as count from ${sql.table(context.subject.table)} where workflow = ${context.workflow.key} and status = ${status}`.execute(tx);
  return Number(result.rows[0]?.count ?? 0);
}

async function nextTransitionPosition(tx: Tx, workflow: string): Promise<number> {
  const row = await tx.selectFrom('workflow_transitions').select((eb) => eb.fn.max('position').as('max')).where('workflow', '=', workflow).executeTakeFirst();
  return Number(row?.max ?? 0) + 1;
}

function positionFor(workflow: Workflow, intent: TransitionIntent, fallback: number): number {
  return workflow.transitions.find((t) => t.intent === intent)?.position ?? fallback;
}

const defaultMoveRoles = ['production', 'admin'];

/** The moves that put a new status between two others, and the hold, resume and cancel moves it joins. */
/** What a move into a new status means, by the status's kind. */
const intentInto: Record<StatusKind, TransitionIntent> = { open: 'advance', hold: 'hold', completed: 'complete', cancelled: 'cancel' };

function placementMoves(input: NewStatusInput, key: string, kind: StatusKind, workflow: Workflow, errors: FieldErrors, nextPosition: number): { add: TransitionRow[]; positions: number[]; replaced?: Transition } {
  const add: TransitionRow[] = [];
  const positions: number[] = [];
  const addMove = (move: TransitionRow, position: number) => {
    if (add.some((known) => known.from_status === move.from_status && known.to_status === move.to_status)) return;
    add.push(move);
    positions.push(position);
  };
  const after = input.after === '' ? undefined : workflow.statuses.get(input.after);
  const onTo = input.onTo === '' ? undefined : workflow.statuses.get(input.onTo);
  if (after && onTo && after.key === onTo.key) errors.onTo = 'Choose a different status from the one it comes after.';
  const direct = after && onTo ? workflow.transitions.find((t) => t.from === after.key && t.to === onTo.key) : undefined;
  if (input.replaceDirect && !direct) {
    errors.replaceDirect = after && onTo ? `There is no direct move from “${after.label}” to “${onTo.label}” to replace.` : 'Choose both statuses it sits between first.';
  }
  const sharedRoles = direct?.roles ?? (after ? workflow.transitions.find((t) => t.from === after.key && !['hold', 'cancel'].includes(t.intent))?.roles : undefined) ?? defaultMoveRoles;
  if (after) {
    const intent = intentInto[kind];
    addMove({ from_status: after.key, to_status: key, label: input.label, intent, roles: [...sharedRoles], requires: intent === 'hold' || intent === 'cancel' ? ['reason'] : [] }, direct?.position ?? positionFor(workflow, intent, nextPosition));
  }
  if (onTo) {
    addMove(
      {
        from_status: key,
        to_status: onTo.key,
        label: direct?.label ?? onTo.label,
        intent: direct?.intent ?? 'advance',
        roles: [...(direct?.roles ?? sharedRoles)],
        requires: direct ? direct.requires.filter((r) => r !== 'previous_status') : [],
      },
      direct?.position ?? positionFor(workflow, 'advance', nextPosition),
    );
  }
  if (input.holdAndCancel && kind === 'open') {
    const shapes = workflow.transitions.filter((t) => (t.intent === 'hold' || t.intent === 'cancel') && workflow.statuses.get(t.from)?.kind === 'open');
    const targets = new Map<string, Transition>();
    for (const shape of shapes) if (!targets.has(shape.to)) targets.set(shape.to, shape);
    if (targets.size === 0) errors.holdAndCancel = 'This workflow has no hold or cancel moves to copy yet: add them by hand.';
    for (const shape of targets.values()) {
      addMove({ from_status: key, to_status: shape.to, label: shape.label, intent: shape.intent, roles: [...shape.roles], requires: [...shape.requires] }, shape.position);
      if (shape.intent !== 'hold') continue;
      const resume = workflow.transitions.find((t) => t.from === shape.to && t.intent === 'resume');
      addMove(
        {
          from_status: shape.to,
          to_status: key,
          label: resume?.label ?? 'Resume',
          intent: 'resume',
          roles: [...(resume?.roles ?? shape.roles)],
          requires: [...(resume?.requires ?? ['previous_status'])],
        },
        resume?.position ?? shape.position + 1,
      );
    }
  }
  return { add, positions, replaced: input.replaceDirect ? direct : undefined };
}

/** A queue named after the status, next to the queue of the status it follows, owned by that queue's owners. */
async function addQueueForStatus(tx: Tx, workflow: Workflow, key: string, label: string, follows: Status | undefined): Promise<string> {
  const queueKey = workflow.queues.some((queue) => queue.key === key) ? `${key.slice(0, 33)}_queue` : key;
  if (workflow.queues.some((queue) => queue.key === queueKey)) throw new ValidationError({ queueKey: `There is already a queue with the key “${queueKey}”: choose it, or another queue.` });
  const neighbour = workflow.queues.find((queue) => queue.key === follows?.queueKey);
  const position = neighbour ? neighbour.position + 1 : Math.max(0, ...workflow.queues.map((queue) => queue.position)) + 1;
  await tx.updateTable('queues').set((eb) => ({ position: eb('position', '+', 1) })).where('workflow', '=', workflow.key).where('position', '>=', position).execute();
  await tx.insertInto('queues').values({ workflow: workflow.key, key: queueKey, label, position, owner_roles: neighbour?.ownerRoles ?? [] }).execute();
  return queueKey;
}

export async function addStatus(db: DbOrTx, actor: Actor, workflowKey: string, input: NewStatusInput, expectedRevision: number): Promise<EditResult> {
  return editWorkflow(db, actor, workflowKey, expectedRevision, 'status-added', async (context) => {
    const { tx, workflow, subject } = context;
    const options = statusOptions(workflow, subject, roleNames);
    const errors = newStatusForm(subject.noun).validate(input, { only: [...statusChecked, 'after', 'onTo'], options });
    const columns = statusColumns(errors, input, context, null);
    const key = chooseKey(errors, input.key, input.label, (k) => workflow.statuses.get(k)?.label, 'status');
    const nextPosition = await nextTransitionPosition(tx, workflow.key);
    const moves = placementMoves(input, key, columns.kind, workflow, errors, nextPosition);
    refuseIfAny(errors);
    const after = workflow.statuses.get(input.after);
    if (columns.queue_key === newQueueChoice) columns.queue_key = await addQueueForStatus(tx, workflow, key, columns.label, after);
    const position = after ? after.position + 1 : Math.max(0, ...[...workflow.statuses.values()].map((s) => s.position)) + 1;
    await tx.updateTable('workflow_statuses').set((eb) => ({ position: eb('position', '+', 1) })).where('workflow', '=', workflow.key).where('position', '>=', position).execute();
    await tx.insertInto('workflow_statuses').values({ workflow: workflow.key, key, position, ...columns }).execute();
    if (moves.replaced) await tx.deleteFrom('workflow_transitions').where('id', '=', moves.replaced.id).execute();
    if (moves.add.length > 0) {
      await tx
        .insertInto('workflow_transitions')
        .values(moves.add.map((move, index) => ({ workflow: workflow.key, ...move, position: moves.positions[index]! })))
        .execute();
    }
    return {
      key,
      particulars: {
        after: { key, position, ...columns },
        transitionsAdded: moves.add,
        ...(moves.replaced ? { transitionReplaced: moves.replaced } : {}),
      },
    };
  });
}

export async function changeStatus(db: DbOrTx, actor: Actor, workflowKey: string, statusKey: string, input: StatusFields, expectedRevision: number): Promise<EditResult> {
  return editWorkflow(db, actor, workflowKey, expectedRevision, 'status-changed', async (context) => {
    const { tx, workflow } = context;
    const before = workflow.statuses.get(statusKey);
    if (!before) throw new HttpError(404, 'That status is no longer in the workflow.');
    const errors = statusForm(context.subject.noun).validate(input, { only: statusChecked, options: statusOptions(workflow, context.subject, roleNames) });
    const columns = statusColumns(errors, input, context, statusKey);
    refuseIfAny(errors);
    const queueChanges = before.queueKey !== columns.queue_key;
    // Waits for moves still in flight (and holds off new ones), so the count below includes them.
    if (queueChanges) await reshapeWorkflow(tx, workflow.key);
    if (columns.queue_key === newQueueChoice) columns.queue_key = await addQueueForStatus(tx, workflow, statusKey, columns.label, before);
    await tx.updateTable('workflow_statuses').set(columns).where('workflow', '=', workflow.key).where('key', '=', statusKey).execute();
    if (queueChanges) {
      // The items in it move with it: the queues' counts follow.
      const count = await subjectsIn(tx, context, statusKey);
      const deltas = [
        ...(before.queueKey ? [{ workflow: workflow.key, queue_key: before.queueKey, delta: -count }] : []),
        ...(columns.queue_key ? [{ workflow: workflow.key, queue_key: columns.queue_key, delta: count }] : []),
      ];
      if (count > 0 && deltas.length > 0) await tx.insertInto('queue_changes').values(deltas).execute();
    }
    return { key: statusKey, particulars: { before, after: { key: statusKey, position: before.position, ...columns } } };
  });
}

export async function deleteStatus(db: DbOrTx, actor: Actor, workflowKey: string, statusKey: string, expectedRevision: number): Promise<EditResult> {
  return editWorkflow(db, actor, workflowKey, expectedRevision, 'status-deleted', async (context) => {
    const { tx, workflow, subject } = context;
    const before = workflow.statuses.get(statusKey);
    if (!before) throw new HttpError(404, 'That status is no longer in the workflow.');
    const count = await subjectsHeldBy(tx, context, statusKey);
    if (count > 0) {
      const noun = count === 1 ? subject.noun : `${subject.noun}s`;
      throw new ValidationError({ form: `${count} ${noun} ${count === 1 ? 'is' : 'are'} still “${before.label}” (or on hold from it); move ${count === 1 ? 'it' : 'them'} first.` });
    }
    const transitionsRemoved = workflow.transitions.filter((t) => t.from === statusKey || t.to === statusKey);
    try {
      await tx.deleteFrom('workflow_statuses').where('workflow', '=', workflow.key).where('key', '=', statusKey).execute();
    } catch (error) {
      // An item moved into it after the count: the foreign key refuses, and the admin retries later.
      if ((error as { code?: unknown }).code === '23503') throw new ValidationError({ form: `An ${subject.noun} moved into “${before.label}” just now; move it out first.` });
      throw error;
    }
    return { key: statusKey, particulars: { before, transitionsRemoved } };
  });
}

// ---------------------------------------------------------------------------------------------
// Transitions

export async function addTransition(db: DbOrTx, actor: Actor, workflowKey: string, input: TransitionInput, expectedRevision: number): Promise<EditResult> {
  return editWorkflow(db, actor, workflowKey, expectedRevision, 'transition-added', async (context) => {
    const { tx, workflow } = context;
    const { errors, columns } = transitionColumns(input, context, null);
    refuseIfAny(errors);
    const position = positionFor(workflow, columns.intent, await nextTransitionPosition(tx, workflow.key));
    const added = await tx.insertInto('workflow_transitions').values({ workflow: workflow.key, ...columns, position }).returning('id').executeTakeFirstOrThrow();
    return { key: String(added.id), particulars: { after: { id: added.id, ...columns, position } } };
  });
}

function transitionOf(workflow: Workflow, id: number): Transition {
  const transition = workflow.transitions.find((t) => t.id === id);
  if (!transition) throw new HttpError(404, 'That move is no longer in the workflow.');
  return transition;
}

export async function changeTransition(db: DbOrTx, actor: Actor, workflowKey: string, transitionId: number, input: TransitionInput, expectedRevision: number): Promise<EditResult> {
  return editWorkflow(db, actor, workflowKey, expectedRevision, 'transition-changed', async (context) => {
    const before = transitionOf(context.workflow, transitionId);
    const { errors, columns } = transitionColumns(input, context, transitionId);
    refuseIfAny(errors);
    await context.tx.updateTable('workflow_transitions').set(columns).where('id', '=', transitionId).execute();
    return { key: String(transitionId), particulars: { before, after: { id: transitionId, ...columns, position: before.position } } };
  });
}

export async function deleteTransition(db: DbOrTx, actor: Actor, workflowKey: string, transitionId: number, expectedRevision: number): Promise<EditResult> {
  return editWorkflow(db, actor, workflowKey, expectedRevision, 'transition-deleted', async (context) => {
    const before = transitionOf(context.workflow, transitionId);
    await context.tx.deleteFrom('workflow_transitions').where('id', '=', transitionId).execute();
    return { key: String(transitionId), particulars: { before } };
  });
}

// ---------------------------------------------------------------------------------------------
// Queues

export async function addQueue(db: DbOrTx, actor: Actor, workflowKey: string, input: NewQueueInput, expectedRevision: number): Promise<EditResult> {
  return editWorkflow(db, actor, workflowKey, expectedRevision, 'queue-added', async ({ tx, workflow }) => {
    const { errors, columns } = queueColumns(input);
    const key = chooseKey(errors, input.key, input.label, (k) => workflow.queues.find((queue) => queue.key === k)?.label, 'queue');
    refuseIfAny(errors);
    await tx.insertInto('queues').values({ workflow: workflow.key, key, ...columns }).execute();
    return { key, particulars: { after: { key, ...columns } } };
  });
}

function queueOf(workflow: Workflow, key: string): Queue {
  const queue = workflow.queues.find((q) => q.key === key);
  if (!queue) throw new HttpError(404, 'That queue is no longer in the workflow.');
  return queue;
}

export async function changeQueue(db: DbOrTx, actor: Actor, workflowKey: string, queueKey: string, input: QueueFields, expectedRevision: number): Promise<EditResult> {
  return editWorkflow(db, actor, workflowKey, expectedRevision, 'queue-changed', async ({ tx, workflow }) => {
    const before = queueOf(workflow, queueKey);
    const { errors, columns } = queueColumns(input);
    refuseIfAny(errors);
    await tx.updateTable('queues').set(columns).where('workflow', '=', workflow.key).where('key', '=', queueKey).execute();
    return { key: queueKey, particulars: { before, after: { key: queueKey, ...columns } } };
  });
}

export async function deleteQueue(db: DbOrTx, actor: Actor, workflowKey: string, queueKey: string, expectedRevision: number): Promise<EditResult> {
  return editWorkflow(db, actor, workflowKey, expectedRevision, 'queue-deleted', async ({ tx, workflow }) => {
    const before = queueOf(workflow, queueKey);
    const grouped = before.statuses.map((key) => workflow.statuses.get(key)?.label ?? key);
    if (grouped.length > 0) {
      throw new ValidationError({ form: `“${before.label}” still lists ${quoted(grouped)}: give ${grouped.length === 1 ? 'that status' : 'those statuses'} another queue first.` });
    }
    await tx.deleteFrom('queues').where('workflow', '=', workflow.key).where('key', '=', queueKey).execute();
    return { key: queueKey, particulars: { before } };
  });
}

// ---------------------------------------------------------------------------------------------
// Reading for the editor's pages

export async function listWorkflows(db: DbOrTx) {
  const rows = await db
    .selectFrom('workflows as w')
    .select((eb) => [
      'w.key',
      'w.label',
      'w.subject_type as subjectType',
      eb.selectFrom('workflow_statuses as s').select(eb.fn.countAll<string>().as('n')).whereRef('s.workflow', '=', 'w.key').as('statuses'),
      eb.selectFrom('queues as q').select(eb.fn.countAll<string>().as('n')).whereRef('q.workflow', '=', 'w.key').as('queues'),
      eb.selectFrom('workflow_transitions as t').select(eb.fn.countAll<string>().as('n')).whereRef('t.workflow', '=', 'w.key').as('transitions'),
    ])
    .orderBy('w.label')
    .execute();
  return rows.map((row) => ({ ...row, statuses: Number(row.statuses ?? 0), queues: Number(row.queues ?? 0), transitions: Number(row.transitions ?? 0) }));
}

/** The workflow as it is in the database now (not as this instance last cached it), or undefined. */
export async function readWorkflow(db: DbOrTx, key: string): Promise<(Workflow & { id: number }) | undefined> {
  const row = await db.selectFrom('workflows').select('id').where('key', '=', key).executeTakeFirst();
  return row ? { ...(await loadWorkflow(db, key)), id: row.id } : undefined;
}
