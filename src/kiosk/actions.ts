import type { DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { TransitionIntent } from '../db/types.js';
import type { LineItemTransitionRow } from '../line-items/subject.js';
import { ValidationError } from '../platform/errors.js';
import type { PersonActor } from '../events/record.js';
import { startWork } from '../production/work-logs.js';
import { transitionsFor, transitionsWithIntent, type Transition, type Workflow } from '../workflow/definition.js';
import { transition, type TransitionOutcome } from '../workflow/engine.js';
import type { TransitionInput } from '../workflow/subjects.js';
import type { KioskContext, KioskOperator } from './devices.js';

type KioskActor = PersonActor & { roles: string[] };
type Outcome = TransitionOutcome<LineItemTransitionRow>;

export function kioskActor(kiosk: KioskContext, operator: KioskOperator): KioskActor {
  return { userId: operator.id, roles: operator.roles, kioskId: kiosk.kioskId, via: `kiosk ${kiosk.kioskName}` };
}

const can = (workflow: Workflow, status: string, intent: TransitionIntent) => transitionsWithIntent(workflow, status, intent).length > 0;

/** Work happens in the statuses an item is marked BUILT from (in the preset, Work in progress). */
function isWorkStatus(workflow: Workflow, status: string): boolean {
  return can(workflow, status, 'built');
}

export function canStartWork(workflow: Workflow, status: string): boolean {
  return isWorkStatus(workflow, status) || can(workflow, status, 'start');
}

function move(db: DbOrTx, actor: KioskActor, itemId: number, version: number, intent: TransitionIntent, input: TransitionInput = {}): Promise<Outcome> {
  return transition<LineItemTransitionRow>(db, { type: 'line_item', id: itemId }, actor, { expectedVersion: version, to: { intent }, input });
}

/**
 * Start: the person's clock starts; an item still waiting to be started moves into work
 * first. One transaction: a clock never runs on an item that did not move.
 */
export async function startItemWork(db: DbOrTx, workflow: Workflow, actor: KioskActor, itemId: number, status: string, version: number): Promise<Outcome | undefined> {
  if (!canStartWork(workflow, status)) {
    throw new ValidationError({ work: `This item is “${workflow.statuses.get(status)?.label ?? status}”: there is no work to start on it.` });
  }
  return inTransaction(db, async (tx) => {
    const moved = isWorkStatus(workflow, status) ? undefined : await move(tx, actor, itemId, version, 'start');
    await startWork(tx, actor, itemId);
    return moved;
  });
}

/** BUILT: the fulfillment method confirms (or changes) which of the four queues it goes to. Clocks stop as it leaves work (an effect of every move). */
export function markItemBuilt(db: DbOrTx, actor: KioskActor, itemId: number, version: number, fulfillmentMethod: string): Promise<Outcome> {
  return move(db, actor, itemId, version, 'built', { fulfillmentMethod });
}

/**
 * Where "Put on hold" sends an item in `status`: a quality problem to a hold status marked as one
 * (Admin → Workflows), anything else to another hold; either falls back to the only hold there is.
 */
export function holdTarget(workflow: Workflow, status: string, quality: boolean): string | undefined {
  const holds = transitionsWithIntent(workflow, status, 'hold').flatMap((t) => workflow.statuses.get(t.to) ?? []);
  return (holds.find((hold) => hold.qualityHold === quality) ?? holds[0])?.key;
}

export async function holdItem(db: DbOrTx, actor: KioskActor, itemId: number, version: number, reason: string, target: { workflow: Workflow; quality: boolean }): Promise<Outcome> {
  const item = await db.selectFrom('line_items').select('status').where('id', '=', itemId).executeTakeFirst();
  const to = item && holdTarget(target.workflow, item.status, target.quality);
  if (!to) return move(db, actor, itemId, version, 'hold', { reason });
  return transition<LineItemTransitionRow>(db, { type: 'line_item', id: itemId }, actor, { expectedVersion: version, to, input: { reason }, allowed: (t) => t.intent === 'hold' });
}

/** Back to where the item was before its hold. */
export async function resumeItem(db: DbOrTx, actor: KioskActor, itemId: number, version: number): Promise<Outcome> {
  return move(db, actor, itemId, version, 'resume');
}

/** The BUILT buttons: a status per fulfillment method, each named by its move (an admin may rename "Mark BUILT"). */
export function builtChoices(workflow: Workflow, status: string) {
  return transitionsWithIntent(workflow, status, 'built')
    .map((t) => ({ ...workflow.statuses.get(t.to)!, moveLabel: t.label, needsChecklist: t.requires.includes('checklist') }))
    .filter((s) => s.fulfillmentMethod !== null);
}

export function canResume(workflow: Workflow, status: string): boolean {
  return workflow.statuses.get(status)?.kind === 'hold' && can(workflow, status, 'resume');
}

/** Moves the kiosk has buttons of their own for, and moves that are the office's decision. */
const ownButtons: readonly TransitionIntent[] = ['start', 'built', 'hold', 'resume', 'cancel', 'reopen'];

/** A move the kiosk offers as a button of its own: one that needs nothing but perhaps a reason. */
const isOtherMove = (t: Transition) => !ownButtons.includes(t.intent) && t.requires.every((requirement) => requirement === 'reason');

/** Every other move the worker may make from here (a status an admin added, such as "Proof approval"). */
export function otherMoves(workflow: Workflow, status: string, roles: readonly string[]) {
  return transitionsFor(workflow, status, roles)
    .filter(isOtherMove)
    .map((t) => ({ transition: t, to: workflow.statuses.get(t.to)! }));
}

/** One of those moves, checked against the item as it is when locked, not as the tablet last showed it. */
export function moveItem(db: DbOrTx, actor: KioskActor, itemId: number, version: number, to: string, reason: string): Promise<Outcome> {
  return transition<LineItemTransitionRow>(db, { type: 'line_item', id: itemId }, actor, { expectedVersion: version, to, input: { reason }, allowed: isOtherMove });
}

export function canHold(workflow: Workflow, status: string): boolean {
  return can(workflow, status, 'hold');
}
