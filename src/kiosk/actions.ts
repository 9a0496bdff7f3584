import type { Db } from '../db/database.js';
import { HttpError, ValidationError } from '../platform/errors.js';
import { resolveTarget } from '../production/bulk.js';
import { startWork, stopEveryonesWork, type WorkActor } from '../production/work-logs.js';
import type { Workflow } from '../workflow/definition.js';
import { transitionItem, type TransitionOutcome } from '../workflow/transition.js';
import type { KioskContext, KioskOperator } from './devices.js';

export function kioskActor(kiosk: KioskContext, operator: KioskOperator): WorkActor & { roles: string[] } {
  return { userId: operator.id, roles: operator.roles, kioskId: kiosk.kioskId, via: `kiosk ${kiosk.kioskName}` };
}

/** Work happens in the statuses an item is marked BUILT from (in the preset, Work in progress). */
function isWorkStatus(workflow: Workflow, status: string): boolean {
  return workflow.transitions.some((t) => t.from === status && t.requires.includes('fulfillment_method'));
}

/** The plain move from a waiting status straight into a work status (in the preset, Start work). */
function startTransition(workflow: Workflow, status: string) {
  return workflow.transitions.find((t) => t.from === status && t.requires.length === 0 && isWorkStatus(workflow, t.to));
}

export function canStartWork(workflow: Workflow, status: string): boolean {
  return isWorkStatus(workflow, status) || startTransition(workflow, status) !== undefined;
}

/**
 * Start: the person's clock starts; an item still waiting to be started moves into work
 * first (through the one transition function, so the role and version checks hold).
 */
export async function startItemWork(db: Db, workflow: Workflow, actor: WorkActor & { roles: string[] }, itemId: number, status: string, version: number): Promise<TransitionOutcome | undefined> {
  if (!canStartWork(workflow, status)) {
    throw new ValidationError({ work: `This item is “${workflow.statuses.get(status)?.label ?? status}”: there is no work to start on it.` });
  }
  const start = startTransition(workflow, status);
  const moved = start ? await transitionItem(db, actor, { itemId, expectedVersion: version, toStatus: start.to }) : undefined;
  await startWork(db, actor, itemId);
  return moved;
}

/** BUILT: the fulfillment method confirms (or changes) which of the four queues it goes to; every clock on it stops. */
export async function markItemBuilt(db: Db, workflow: Workflow, actor: WorkActor & { roles: string[] }, itemId: number, status: string, version: number, fulfillmentMethod: string): Promise<TransitionOutcome> {
  const toStatus = resolveTarget(workflow, status, 'built', fulfillmentMethod || undefined);
  const outcome = await transitionItem(db, actor, { itemId, expectedVersion: version, toStatus, fulfillmentMethod });
  await stopEveryonesWork(db, actor, itemId);
  return outcome;
}

export async function holdItem(db: Db, workflow: Workflow, actor: WorkActor & { roles: string[] }, itemId: number, status: string, version: number, reason: string): Promise<TransitionOutcome> {
  const hold = holdTransition(workflow, status);
  if (!hold) throw new HttpError(422, 'This item cannot be put on hold from where it is.');
  const outcome = await transitionItem(db, actor, { itemId, expectedVersion: version, toStatus: hold.to, reason });
  await stopEveryonesWork(db, actor, itemId);
  return outcome;
}

/** The BUILT queues this item can go to from its status (empty when it is not in work). */
export function builtChoices(workflow: Workflow, status: string) {
  return workflow.transitions
    .filter((t) => t.from === status && t.requires.includes('fulfillment_method'))
    .map((t) => workflow.statuses.get(t.to)!)
    .filter((s) => s.fulfillmentMethod !== null);
}

/** Back to where the item was before its hold, through the transition that requires it (in the preset, Resume). */
function resumeTransition(workflow: Workflow, status: string) {
  return workflow.transitions.find((t) => t.from === status && t.requires.includes('previous_status'));
}

export function canResume(workflow: Workflow, status: string): boolean {
  return workflow.statuses.get(status)?.kind === 'hold' && resumeTransition(workflow, status) !== undefined;
}

export async function resumeItem(db: Db, workflow: Workflow, actor: WorkActor & { roles: string[] }, itemId: number, status: string, version: number): Promise<TransitionOutcome> {
  if (!canResume(workflow, status)) throw new HttpError(422, 'This item is not on hold.');
  const heldFrom = await db.selectFrom('line_items').select('held_from_status').where('id', '=', itemId).executeTakeFirst();
  if (!heldFrom?.held_from_status) throw new HttpError(422, 'This item is not on hold.');
  return transitionItem(db, actor, { itemId, expectedVersion: version, toStatus: heldFrom.held_from_status });
}

function holdTransition(workflow: Workflow, status: string) {
  return workflow.transitions.find((t) => t.from === status && workflow.statuses.get(t.to)?.kind === 'hold');
}

export function canHold(workflow: Workflow, status: string): boolean {
  return holdTransition(workflow, status) !== undefined;
}
