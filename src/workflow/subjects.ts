import type { Tx } from '../db/database.js';
import type { FulfillmentMethod, TransitionRequirement } from '../db/types.js';
import type { Actor } from '../events/record.js';
import type { FieldErrors } from '../platform/errors.js';
import type { Status, Transition } from './definition.js';

/** What a person typed along with a transition: a reason, a tracking number, and so on. */
export type TransitionInput = Partial<Record<'reason' | 'fulfillmentMethod' | 'carrier' | 'tracking', string>>;

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
  /** Locks the row (and, before it in the lock order, its children) and reads what transitions need. */
  lockAndLoad(tx: Tx, id: number): Promise<Row | undefined>;
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

export function registerSubjectType<Row extends SubjectRow>(subject: SubjectType<Row>): void {
  subjectTypes.set(subject.type, subject as unknown as SubjectType<SubjectRow>);
}

export function registerEffect(effect: TransitionEffect): void {
  const list = effects.get(effect.subjectType) ?? [];
  if (!list.some((known) => known.name === effect.name)) list.push(effect);
  effects.set(effect.subjectType, list);
}

export function subjectType(type: string): SubjectType<SubjectRow> {
  const subject = subjectTypes.get(type);
  if (!subject) throw new Error(`No subject type “${type}” is registered: install the modules first (src/modules.ts).`);
  return subject;
}

export function effectsOf(type: string): readonly TransitionEffect[] {
  return effects.get(type) ?? [];
}
