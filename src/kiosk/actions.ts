import type { DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { TransitionIntent } from '../db/types.js';
import type { LineItemTransitionRow } from '../line-items/subject.js';
import { HttpError, ValidationError } from '../platform/errors.js';
import { startWork, stopEveryonesWork, type WorkActor } from '../production/work-logs.js';
import { transitionsFor, transitionsWithIntent, type Workflow } from '../workflow/definition.js';
import { transition, type TransitionOutcome } from '../workflow/engine.js';
import type { TransitionInput } from '../workflow/subjects.js';
import type { KioskContext, KioskOperator } from './devices.js';

type KioskActor = WorkActor & { roles: string[] };
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
  return transition<LineItemTransitionRow>(db, 'line_item', itemId, actor, { expectedVersion: version, to: { intent }, input });
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

/** BUILT: the fulfillment method confirms (or changes) which of the four queues it goes to; every clock on it stops, in the same transaction. */
export async function markItemBuilt(db: DbOrTx, actor: KioskActor, itemId: number, version: number, fulfillmentMethod: string): Promise<Outcome> {
  return inTransaction(db, async (tx) => {
    const outcome = await move(tx, actor, itemId, version, 'built', { fulfillmentMethod });
    await stopEveryonesWork(tx, actor, itemId);
    return outcome;
  });
}

export async function holdItem(db: DbOrTx, actor: KioskActor, itemId: number, version: number, reason: string): Promise<Outcome> {
  return inTransaction(db, async (tx) => {
    const outcome = await move(tx, actor, itemId, version, 'hold', { reason });
    await stopEveryonesWork(tx, actor, itemId);
    return outcome;
  });
}

/** Back to where the item was before its hold. */
export async function resumeItem(db: DbOrTx, actor: KioskActor, itemId: number, version: number): Promise<Outcome> {
  return move(db, actor, itemId, version, 'resume');
}

/** The BUILT queues this item can go to from its status (empty when it is not in work). */
export function builtChoices(workflow: Workflow, status: string) {
  return transitionsWithIntent(workflow, status, 'built')
    .map((t) => workflow.statuses.get(t.to)!)
    .filter((s) => s.fulfillmentMethod !== null);
}

export function canResume(workflow: Workflow, status: string): boolean {
  return workflow.statuses.get(status)?.kind === 'hold' && can(workflow, status, 'resume');
}

/** Moves the kiosk has buttons of their own for, and moves that are the office's decision. */
const ownButtons: readonly TransitionIntent[] = ['start', 'built', 'hold', 'resume', 'cancel', 'reopen'];

/**
 * Every other move the worker may make from here (a status an admin added, such as "Proof
 * approval"), as long as it needs nothing but perhaps a reason.
 */
export function otherMoves(workflow: Workflow, status: string, roles: readonly string[]) {
  return transitionsFor(workflow, status, roles)
    .filter((t) => !ownButtons.includes(t.intent) && t.requires.every((requirement) => requirement === 'reason'))
    .map((t) => ({ transition: t, to: workflow.statuses.get(t.to)! }));
}

export async function moveItem(db: DbOrTx, workflow: Workflow, actor: KioskActor, itemId: number, status: string, version: number, to: string, reason: string): Promise<Outcome> {
  if (!otherMoves(workflow, status, actor.roles).some((move) => move.to.key === to)) {
    throw new HttpError(422, 'That move is not one a kiosk can make from where the item is now. Look at the item again.');
  }
  return transition<LineItemTransitionRow>(db, 'line_item', itemId, actor, { expectedVersion: version, to, input: { reason } });
}

export function canHold(workflow: Workflow, status: string): boolean {
  return can(workflow, status, 'hold');
}
