import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { TransitionIntent } from '../db/types.js';
import { lastActor } from '../events/history.js';
import { eventInsert, type Actor } from '../events/record.js';
import { roleUsed } from '../platform/acting.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { statusFromRow, transitionFromRow, type Status, type Transition } from './definition.js';
import { queueDeltas } from './queue-changes.js';
import { effectsOf, gatesOf, holdWorkflowShape, subjectType, type EffectResult, type SubjectRow, type TransitionContext, type TransitionInput } from './subjects.js';

export interface TransitionActor extends Actor {
  /** Null for Traveler's own moves (an order archived on schedule): the event says how, in `via`. */
  userId: number | null;
  roles: readonly string[];
}

/** Which row: a subject type (events.subject_type) and its id. */
export interface SubjectRef {
  type: string;
  id: number;
}

export interface TransitionRequest {
  /** The version the person saw; anything else means someone changed it meanwhile. */
  expectedVersion: number;
  /** A status key, or what the person means ("built", "hold", "resume") from wherever it is now. */
  to: string | { intent: TransitionIntent };
  input?: TransitionInput;
  /** Where the caller offers only some moves (a kiosk): checked against the row as locked. */
  allowed?: (transition: Transition) => boolean;
}

export interface TransitionOutcome<Row extends SubjectRow = SubjectRow> extends Required<EffectResult> {
  subjectId: number;
  label: string;
  row: Row;
  from: Status;
  to: Status;
  transition: Transition;
  version: number;
}

/** The subject changed under the person's feet; says who changed it and what it is now. */
export class SubjectConflictError extends ConflictError {
  constructor(
    readonly subjectLabel: string,
    readonly currentStatusLabel: string,
    readonly currentVersion: number,
    changedBy: string | null,
  ) {
    super(
      `${subjectLabel} was changed by ${changedBy ?? 'someone else'} a moment ago and is now “${currentStatusLabel}”. Nothing was changed; look again and retry if it still applies.`,
    );
  }
}

interface Place {
  from: Status;
  ways: { transition: Transition; to: Status }[];
}

/** Where the subject is and every way out of it, in one query. */
async function placeOf(tx: Tx, workflow: string, status: string): Promise<Place> {
  const { rows } = await sql<{ from: Record<string, unknown>; ways: { transition: Record<string, unknown>; to: Record<string, unknown> }[] }>`
    select row_to_json(f) as "from",
           coalesce(json_agg(json_build_object('transition', row_to_json(t), 'to', row_to_json(s)) order by t.position, t.id) filter (where t.id is not null), '[]') as ways
      from workflow_statuses f
      left join workflow_transitions t on t.workflow = f.workflow and t.from_status = f.key
      left join workflow_statuses s on s.workflow = t.workflow and s.key = t.to_status
     where f.workflow = ${workflow} and f.key = ${status}
     group by f.workflow, f.key`.execute(tx);
  const place = rows[0];
  if (!place) throw new Error(`The status “${workflow}/${status}” is gone.`);
  return {
    from: statusFromRow(place.from as never),
    ways: place.ways.map((way) => ({ transition: transitionFromRow(way.transition as never), to: statusFromRow(way.to as never) })),
  };
}

async function chooseWay<Row extends SubjectRow>(tx: Tx, type: string, place: Place, row: Row, label: string, request: TransitionRequest) {
  const subject = subjectType(type);
  const input = request.input ?? {};
  if (typeof request.to === 'string') {
    const key = request.to;
    const way = place.ways.find((candidate) => candidate.to.key === key);
    if (way) return way;
    const target = await tx.selectFrom('workflow_statuses').select('label').where('workflow', '=', row.workflow).where('key', '=', key).executeTakeFirst();
    if (!target) throw new HttpError(422, `There is no status “${key}”.`);
    throw new HttpError(422, `${label} is “${place.from.label}”; it cannot go to “${target.label}” from there.`);
  }
  const { intent } = request.to;
  const candidates = place.ways.filter((way) => way.transition.intent === intent);
  if (candidates.length === 0) throw new HttpError(422, `${label} is “${place.from.label}”: there is no “${intent}” from there.`);
  if (candidates.length === 1) return candidates[0]!;
  const back = candidates.find((way) => way.transition.requires.includes('previous_status') && way.to.key === row.heldFrom);
  if (back) return back;
  const statuses = new Map(candidates.map((way) => [way.to.key, way.to]));
  const chosen = subject.choose?.(candidates.map((way) => way.transition), statuses, row, input);
  const way = chosen && candidates.find((candidate) => candidate.transition.id === chosen.id);
  if (!way) throw new HttpError(422, `${label} is “${place.from.label}”: say which of ${candidates.map((c) => `“${c.to.label}”`).join(', ')} it goes to.`);
  return way;
}

/** Entering a hold remembers where from; leaving it forgets; from one hold to another keeps it. */
function holdBookkeeping(row: SubjectRow, from: Status, to: Status, reason: string | null): Record<string, unknown> {
  if (to.kind === 'hold') return { held_from_status: from.kind === 'hold' ? row.heldFrom : row.status, hold_reason: reason };
  if (from.kind === 'hold') return { held_from_status: null, hold_reason: null };
  return {};
}

/** The engine's own requirements; the subject type checks the rest. */
function checkInput<Row extends SubjectRow>(context: TransitionContext<Row>): FieldErrors {
  const errors: FieldErrors = {};
  const { transition, input, row } = context;
  if (transition.requires.includes('reason')) {
    if (!input.reason?.trim()) errors.reason = 'Say why, so the next person knows.';
    else if (input.reason.length > 1000) errors.reason = 'Keep the reason under 1000 characters.';
  }
  if (transition.requires.includes('previous_status') && context.to.key !== row.heldFrom) errors.to = 'A held item goes back to where it was before the hold.';
  return errors;
}

/**
 * The one way anything tracked changes status. In the caller's transaction, or its own: locks
 * and loads the subject, checks the version the person saw, the transition and their role, the
 * input the transition requires; moves it; keeps the queue counts; writes one event; runs the
 * effects the owning modules hung off it (customer update, alerts, mail).
 */
export async function transition<Row extends SubjectRow = SubjectRow>(db: DbOrTx, { type, id }: SubjectRef, actor: TransitionActor, request: TransitionRequest): Promise<TransitionOutcome<Row>> {
  const subject = subjectType(type);
  return inTransaction(db, async (tx) => {
    const row = (await subject.lockAndLoad(tx, id)) as (Row & { shapeHeld?: boolean }) | undefined;
    if (!row) throw new HttpError(404, `That ${subject.noun} no longer exists.`);
    const label = subject.label(row);
    if (!row.shapeHeld) await holdWorkflowShape(tx, row.workflow);
    const place = await placeOf(tx, row.workflow, row.status);
    if (row.version !== request.expectedVersion) {
      throw new SubjectConflictError(label, place.from.label, row.version, await lastActor(tx, type, row.id));
    }
    const { transition: chosen, to } = await chooseWay(tx, type, place, row, label, request);
    if (request.allowed && !request.allowed(chosen)) throw new HttpError(422, `“${chosen.label}” cannot be done from here. Look at ${label} again.`);
    if (!chosen.roles.some((role) => actor.roles.includes(role))) {
      throw new HttpError(403, `“${chosen.label}” is for ${chosen.roles.filter((r) => r !== 'admin').join(' or ')} staff.`);
    }
    const input = request.input ?? {};
    const context: TransitionContext<Row> = { row, from: place.from, to, transition: chosen, input, roles: actor.roles };
    const errors = { ...checkInput(context), ...subject.validate?.(context) };
    for (const gate of gatesOf(type)) {
      if (chosen.requires.includes(gate.requirement)) Object.assign(errors, await gate.check(tx, context as never));
    }
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);

    const reason = input.reason?.trim() || null;
    const columns: Record<string, unknown> = {
      status: to.key,
      status_entered_at: sql`now()`,
      version: sql`version + 1`,
      updated_at: sql`now()`,
      ...holdBookkeeping(row, place.from, to, reason),
      ...subject.columns?.(context),
    };
    const assignments = sql.join(Object.entries(columns).map(([column, value]) => sql`${sql.ref(column)} = ${value}`));
    const deltas = queueDeltas(row.workflow, place.from.queueKey, to.queueKey);
    // The role that allowed this move: the one the person acts in, else the most specific of theirs the move is for.
    const event = eventInsert(tx, { ...actor, role: actor.role !== undefined ? actor.role : roleUsed(actor.roles, (role) => chosen.roles.includes(role)) }, {
      subjectType: type,
      subjectId: row.id,
      action: 'status-changed',
      fromStatus: row.status,
      toStatus: to.key,
      note: reason ?? undefined,
      particulars: { label, transition: chosen.label, intent: chosen.intent, ...subject.particulars?.(context) },
    });
    // The move, its effect on the queue counts and its event in one statement: two round trips less inside the transaction.
    const counted = deltas.length === 0 ? sql`` : sql`, counted as (insert into queue_changes (workflow, queue_key, delta) values ${sql.join(deltas.map((d) => sql`(${d.workflow}, ${d.queue_key}, ${d.delta}::int)`))})`;
    const moved = await sql<{ version: number }>`
      with moved as (update ${sql.table(subject.table)} set ${assignments} where id = ${row.id} returning version)${counted}, logged as (${event})
      select version from moved`.execute(tx);

    const outcome: TransitionOutcome<Row> = { subjectId: row.id, label, row, from: place.from, to, transition: chosen, version: moved.rows[0]!.version, mailQueued: false, orderCompleted: false };
    for (const effect of effectsOf(type)) {
      const result = await effect.run(tx, { ...context, subjectType: type, label, actor, reason } as never);
      if (result?.mailQueued) outcome.mailQueued = true;
      if (result?.orderCompleted) outcome.orderCompleted = true;
    }
    return outcome;
  });
}
