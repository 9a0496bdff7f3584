import type { Selectable } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import { transitionIntents, type FulfillmentMethod, type StatusKind, type TransitionIntent, type TransitionRequirement, type WaitsOn, type WorkflowStatusesTable, type WorkflowTransitionsTable } from '../db/types.js';

export interface Queue {
  key: string;
  label: string;
  position: number;
  ownerRoles: string[];
  statuses: string[];
}

export interface Status {
  key: string;
  label: string;
  customerLabel: string;
  queueKey: string | null;
  kind: StatusKind;
  position: number;
  expectedMinutes: number | null;
  /** How the admin gave the expected time: in days it is the shop's working days (1,440 stored minutes a day). */
  expectedUnit: 'hours' | 'days';
  waitsOn: WaitsOn;
  /** Which customer email entering it sends (the subject type says which exist), or none. */
  customerEmail: string | null;
  /** What the customer's email says about an item entering it; empty: the status name alone. */
  customerMessage: string;
  alertRoles: string[];
  /** A hold here stands for a quality problem: the item is a quality flag in Alerts. */
  qualityHold: boolean;
  initial: boolean;
  fulfillmentMethod: FulfillmentMethod | null;
}

export interface Transition {
  id: number;
  from: string;
  to: string;
  label: string;
  intent: TransitionIntent;
  roles: string[];
  requires: TransitionRequirement[];
  position: number;
}

export interface Workflow {
  key: string;
  label: string;
  subjectType: string;
  /** The workflows row's revision this copy was read at. */
  revision: number;
  queues: Queue[];
  statuses: Map<string, Status>;
  transitions: Transition[];
}

export function statusFromRow(row: Selectable<WorkflowStatusesTable>): Status {
  return {
    key: row.key,
    label: row.label,
    customerLabel: row.customer_label,
    queueKey: row.queue_key,
    kind: row.kind,
    position: row.position,
    expectedMinutes: row.expected_minutes,
    expectedUnit: row.expected_unit ?? 'hours',
    waitsOn: row.waits_on,
    customerEmail: row.customer_email,
    customerMessage: row.customer_message ?? '',
    alertRoles: row.alert_roles,
    qualityHold: row.quality_hold,
    initial: row.initial,
    fulfillmentMethod: row.fulfillment_method,
  };
}

export function transitionFromRow(row: Selectable<WorkflowTransitionsTable>): Transition {
  return {
    id: row.id,
    from: row.from_status,
    to: row.to_status,
    label: row.label,
    intent: row.intent,
    roles: row.roles,
    requires: row.requires,
    position: row.position,
  };
}

/** A workflow as stored: statuses, queues and transitions, read in one go. */
export async function loadWorkflow(db: DbOrTx, key: string): Promise<Workflow> {
  // The revision first: an edit committing while the rest is read leaves this copy with the older
  // revision, so the next check reads it again (read in parallel, the parts may see different moments).
  const workflowRow = await db.selectFrom('workflows').selectAll().where('key', '=', key).executeTakeFirst();
  const [queueRows, statusRows, transitionRows] = await Promise.all([
    db.selectFrom('queues').selectAll().where('workflow', '=', key).orderBy('position').orderBy('key').execute(),
    db.selectFrom('workflow_statuses').selectAll().where('workflow', '=', key).orderBy('position').orderBy('key').execute(),
    db.selectFrom('workflow_transitions').selectAll().where('workflow', '=', key).orderBy('position').orderBy('id').execute(),
  ]);
  if (!workflowRow) throw new Error(`There is no workflow “${key}”.`);
  const statuses = new Map<string, Status>(statusRows.map((row) => [row.key, statusFromRow(row)]));
  const queues = queueRows.map((row) => ({
    key: row.key,
    label: row.label,
    position: row.position,
    ownerRoles: row.owner_roles,
    statuses: statusRows.filter((status) => status.queue_key === row.key).map((status) => status.key),
  }));
  const transitions = transitionRows.map(transitionFromRow);
  return { key, label: workflowRow.label, subjectType: workflowRow.subject_type, revision: Number(workflowRow.revision), queues, statuses, transitions };
}

/** The transitions out of a status that someone with these roles may make. */
export function transitionsFor(workflow: Workflow, fromStatus: string, roles: readonly string[]): Transition[] {
  return workflow.transitions.filter((transition) => transition.from === fromStatus && transition.roles.some((role) => roles.includes(role)));
}

/** The transitions out of a status that mean `intent`, whoever may make them. */
export function transitionsWithIntent(workflow: Workflow, fromStatus: string, intent: TransitionIntent): Transition[] {
  return workflow.transitions.filter((transition) => transition.from === fromStatus && transition.intent === intent);
}

export interface ActionChoice {
  /** What the form sends as `to`: a status key, or "intent:<intent>" when the input picks among several. */
  value: string;
  transition: Transition;
  /** A step back or away (back, cancel, reopen): shown less prominently. */
  subtle: boolean;
}

const subtleIntents: readonly TransitionIntent[] = ['back', 'cancel', 'reopen'];

/**
 * The moves someone with these roles can offer from these statuses, one per choice: transitions
 * sharing an intent that the input decides between (BUILT to one of four queues) are one choice. A resume
 * shows only the way back to where the subject was held from; with `heldFrom` unknown (several
 * subjects at once) it is one choice too.
 */
export function actionChoices(workflow: Workflow, statuses: readonly string[], roles: readonly string[], heldFrom?: string | null): ActionChoice[] {
  const available = statuses
    .flatMap((status) => transitionsFor(workflow, status, roles))
    .filter((t) => heldFrom === undefined || !t.requires.includes('previous_status') || t.to === heldFrom);
  const choices = new Map<string, ActionChoice>();
  // Only moves the input tells apart share a choice: BUILT (by fulfillment method), resume (back where it was).
  const decidedByInput = (t: Transition) => t.requires.includes('fulfillment_method') || t.requires.includes('previous_status');
  for (const transition of available) {
    const sharing = decidedByInput(transition) && available.some((other) => other !== transition && other.intent === transition.intent && other.to !== transition.to && decidedByInput(other));
    const value = sharing ? `intent:${transition.intent}` : transition.to;
    if (!choices.has(value)) choices.set(value, { value, transition, subtle: subtleIntents.includes(transition.intent) });
  }
  return [...choices.values()];
}

/** Reads a form's `to`: a status key, or an intent (undefined for an intent there is no such thing as). */
export function moveTarget(value: string): string | { intent: TransitionIntent } | undefined {
  if (!value.startsWith('intent:')) return value;
  const intent = value.slice('intent:'.length);
  return (transitionIntents as readonly string[]).includes(intent) ? { intent: intent as TransitionIntent } : undefined;
}

/** Where a new subject starts, as stored right now (read inside the creating transaction). */
export async function initialStatusOf(db: DbOrTx, workflow: string): Promise<string> {
  const row = await db.selectFrom('workflow_statuses').select('key').where('workflow', '=', workflow).where('initial', '=', true).orderBy('position').orderBy('key').executeTakeFirst();
  if (!row) throw new Error(`The workflow “${workflow}” has no initial status.`);
  return row.key;
}

export async function workflowRevision(db: DbOrTx, key: string): Promise<number | undefined> {
  const row = await db.selectFrom('workflows').select('revision').where('key', '=', key).executeTakeFirst();
  return row === undefined ? undefined : Number(row.revision);
}

interface CachedWorkflow {
  workflow: Promise<Workflow>;
  checkedAt: number;
  checking?: Promise<Workflow>;
}

/**
 * Each workflow as this app instance last read it. An edit (on any instance) bumps the
 * workflow's revision; the copy is compared with it at most every `checkEveryMs`, so an edit
 * applies everywhere within that time at the cost of one tiny query per interval.
 */
export class WorkflowCache {
  private readonly cached = new Map<string, CachedWorkflow>();

  constructor(
    private readonly db: DbOrTx,
    private readonly checkEveryMs = 2000,
  ) {}

  get(key: string): Promise<Workflow> {
    const entry = this.cached.get(key);
    if (!entry) return this.read(key);
    if (Date.now() - entry.checkedAt < this.checkEveryMs) return entry.workflow;
    entry.checking ??= this.recheck(key, entry);
    return entry.checking;
  }

  /** After an edit on this instance: the next read is fresh, with no wait. */
  forget(key: string): void {
    this.cached.delete(key);
  }

  private read(key: string): Promise<Workflow> {
    const workflow = loadWorkflow(this.db, key);
    this.cached.set(key, { workflow, checkedAt: Date.now() });
    workflow.catch(() => {
      if (this.cached.get(key)?.workflow === workflow) this.cached.delete(key);
    });
    return workflow;
  }

  private async recheck(key: string, entry: CachedWorkflow): Promise<Workflow> {
    try {
      const [held, revision] = await Promise.all([entry.workflow, workflowRevision(this.db, key)]);
      if (revision === held.revision) {
        entry.checkedAt = Date.now();
        return held;
      }
      return await this.read(key);
    } finally {
      entry.checking = undefined;
    }
  }
}
