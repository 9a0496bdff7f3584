import { sql, type AliasedRawBuilder, type Expression } from 'kysely';
import type { Tx } from '../db/database.js';
import type { FulfillmentMethod, TransitionRequirement } from '../db/types.js';
import type { Actor } from '../events/record.js';
import type { FieldErrors } from '../platform/errors.js';
import type { Status, Transition } from './definition.js';

/**
 * Holds off an admin moving one of the workflow's statuses to another queue until the
 * transaction ends, so the queue counts a move writes go to the queues its statuses are in
 * when it commits. A shared advisory lock: moves never wait for each other, and unlike a row
 * lock on the status rows every move shares, it writes nothing (the workflow editor takes it
 * exclusively). It must be held before the workflow is read, so that read sees any change just
 * committed: lock-and-load selects it, as `shapeHeld`.
 */
export function holdsWorkflowShape(workflow: Expression<string>): AliasedRawBuilder<boolean, 'shapeHeld'> {
  return sql<boolean>`(pg_advisory_xact_lock_shared(hashtext('traveler:workflow-shape'), hashtext(${workflow}))::text = '')`.as('shapeHeld');
}

/** The same lock for a subject type whose lock-and-load does not take it. */
export async function holdWorkflowShape(tx: Tx, workflow: string): Promise<void> {
  await sql`select pg_advisory_xact_lock_shared(hashtext('traveler:workflow-shape'), hashtext(${workflow}))`.execute(tx);
}

/** The workflow editor's side: waits for the moves in flight, holds off new ones, until it commits. */
export async function reshapeWorkflow(tx: Tx, workflow: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('traveler:workflow-shape'), hashtext(${workflow}))`.execute(tx);
}

/** What a person typed along with a transition: a reason, a tracking number, and so on. */
export type TransitionInput = Partial<Record<'reason' | 'reasonCode' | 'fulfillmentMethod' | 'carrier' | 'tracking', string>>;

/** The columns every subject table has: the engine reads and writes these itself. */
export interface SubjectRow {
  id: number;
  workflow: string;
  status: string;
  version: number;
  heldFrom: string | null;
}

export interface TransitionContext<Row extends SubjectRow = SubjectRow> {
  row: Row;
  from: Status;
  to: Status;
  transition: Transition;
  input: TransitionInput;
  /** The roles of the person making the move. */
  roles: readonly string[];
}

/** One committed transition, as effects see it (in the same transaction). */
export interface TransitionEvent<Row extends SubjectRow = SubjectRow> extends TransitionContext<Row> {
  subjectType: string;
  label: string;
  actor: Actor;
  reason: string | null;
}

export interface EffectResult {
  /** An email was queued: worth nudging the sender once the transaction commits. */
  mailQueued?: boolean;
  orderCompleted?: boolean;
}

/** Work hung off a transition's event by the module that owns it (customer update, alerts, mail). */
export interface TransitionEffect {
  subjectType: string;
  name: string;
  run(tx: Tx, event: TransitionEvent): Promise<EffectResult | void>;
}

/**
 * A requirement checked against other records (an item's checklist), registered by the module
 * that owns them: the engine asks it, in the transition's transaction after the subject is
 * locked, only for transitions that carry the requirement.
 */
export interface TransitionGate {
  subjectType: string;
  requirement: TransitionRequirement;
  check(tx: Tx, context: TransitionContext): Promise<FieldErrors>;
}

/**
 * A kind of row that moves through a workflow. Its table has the columns of `SubjectRow`
 * (`id`, `workflow`, `status`, `status_entered_at`, `version`, `held_from_status`,
 * `hold_reason`, `updated_at`) and holds one workflow's rows (a CHECK on `workflow`), so queue
 * queries find rows by status alone; the engine moves it, the subject type says the rest.
 */
export interface SubjectType<Row extends SubjectRow = SubjectRow> {
  /** events.subject_type, workflows.subject_type. */
  type: string;
  table: string;
  /** "item", "job": how messages name one. */
  noun: string;
  /**
   * Locks the row (and, before it in the lock order, its children) and reads what transitions
   * need. A subject that also selects `holdsWorkflowShape(<table>.workflow)` saves the engine a
   * round trip (it takes that lock itself otherwise).
   */
  lockAndLoad(tx: Tx, id: number): Promise<(Row & { shapeHeld?: boolean }) | undefined>;
  /** "1042 · 2/4". */
  label(row: Row): string;
  /** The requirements transitions of its workflows may carry, with what the editor calls them. */
  requirements: readonly { key: TransitionRequirement; label: string }[];
  /** Checks the input for the subject's own requirements (the engine checks reason and previous_status). */
  validate?(context: TransitionContext<Row>): FieldErrors;
  /** When several transitions share an intent (BUILT to one of four queues), picks the one the input means. */
  choose?(candidates: readonly Transition[], statuses: ReadonlyMap<string, Status>, row: Row, input: TransitionInput): Transition | undefined;
  /** Columns the transition sets besides status, version and the hold bookkeeping. */
  columns?(context: TransitionContext<Row>): Record<string, unknown>;
  /** What the event remembers besides from, to and the reason. */
  particulars?(context: TransitionContext<Row>): Record<string, unknown>;
  /** The customer emails a status of its workflows may send on entry. */
  customerEmails: readonly { key: string; label: string }[];
  /** Statuses may name a fulfillment method (line items only). */
  fulfillmentMethods?: readonly { key: FulfillmentMethod; label: string }[];
}

const subjectTypes = new Map<string, SubjectType<SubjectRow>>();
const effects = new Map<string, TransitionEffect[]>();
const gates = new Map<string, TransitionGate[]>();

export function registerSubjectType<Row extends SubjectRow>(subject: SubjectType<Row>): void {
  subjectTypes.set(subject.type, subject as unknown as SubjectType<SubjectRow>);
}

export function registerEffect(effect: TransitionEffect): void {
  const list = effects.get(effect.subjectType) ?? [];
  if (!list.some((known) => known.name === effect.name)) list.push(effect);
  effects.set(effect.subjectType, list);
}

export function registerGate(gate: TransitionGate): void {
  const list = gates.get(gate.subjectType) ?? [];
  if (!list.some((known) => known.requirement === gate.requirement)) list.push(gate);
  gates.set(gate.subjectType, list);
}

export function gatesOf(type: string): readonly TransitionGate[] {
  return gates.get(type) ?? [];
}

export function subjectType(type: string): SubjectType<SubjectRow> {
  const subject = subjectTypes.get(type);
  if (!subject) throw new Error(`No subject type “${type}” is registered: install the modules first (src/modules.ts).`);
  return subject;
}

export function effectsOf(type: string): readonly TransitionEffect[] {
  return effects.get(type) ?? [];
}
