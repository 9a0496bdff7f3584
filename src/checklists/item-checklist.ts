import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { ChecklistStepKind, CheckOutcome } from '../db/types.js';
import { recordEvent, type PersonActor } from '../events/record.js';
import { storePhoto, processPhoto } from '../line-items/photos.js';
import { decimalText, decimalUnits, unitsToDecimal } from '../platform/decimal.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { roleUsed } from '../platform/acting.js';
import { can } from '../platform/permissions.js';
import { limitsText, stages, type ChecklistStep } from './templates.js';

/** Someone recording or waiving a step: a person with their roles, at their desk or at a kiosk. */
export type CheckActor = PersonActor & { roles: readonly string[] };

/** A step of the item's checklist (as its template defines it), with what was recorded. */
export interface ItemCheckStep extends Pick<ChecklistStep, 'stage' | 'kind' | 'label' | 'instructions' | 'required' | 'unit' | 'lowerLimit' | 'upperLimit'> {
  stepId: number;
  template: string;
  /** The latest result, if any. */
  outcome: CheckOutcome | null;
  measured: string | null;
  photoId: number | null;
  note: string;
  recordedBy: string | null;
  recordedAt: Date | null;
  /** 0 when nothing is recorded yet: what a form sends back to say what it was drawn from. */
  checkVersion: number;
}

/** Done for the gate: ticked, passed or waived. */
const isSettled = (outcome: CheckOutcome | null) => outcome === 'done' || outcome === 'passed' || outcome === 'waived';

/**
 * The steps of every active template that applies to the item (its machine, material and
 * description), with what was recorded: stage by stage, then template and place.
 */
function stepsOfItem(db: DbOrTx, itemId: number) {
  return db
    .selectFrom('line_items as i')
    .innerJoin('checklist_templates as t', (join) =>
      join
        .on('t.active', '=', true)
        .on((eb) => eb.or([eb('t.machine_id', 'is', null), eb('t.machine_id', '=', eb.ref('i.machine_id'))]))
        .on((eb) => eb.or([eb('t.material_id', 'is', null), eb('t.material_id', '=', eb.ref('i.material_id'))]))
        .on(sql<boolean>`(t.description_contains = '' or strpos(lower(i.description), lower(t.description_contains)) > 0)`),
    )
    .innerJoin('checklist_steps as s', (join) => join.onRef('s.template_id', '=', 't.id').on('s.active', '=', true))
    .leftJoin('item_checks as c', (join) => join.onRef('c.line_item_id', '=', 'i.id').onRef('c.step_id', '=', 's.id'))
    .where('i.id', '=', itemId);
}

const stageOrder = sql`array_position(array['fabrication', 'post_processing', 'inspection'], s.stage)`;

export async function itemChecklist(db: DbOrTx, itemId: number): Promise<ItemCheckStep[]> {
  return stepsOfItem(db, itemId)
    .leftJoin('users as u', 'u.id', 'c.recorded_by')
    .select([
      's.id as stepId',
      't.name as template',
      's.stage',
      's.kind',
      's.label',
      's.instructions',
      's.required',
      's.unit',
      's.lower_limit as lowerLimit',
      's.upper_limit as upperLimit',
      'c.outcome',
      'c.measured',
      'c.photo_id as photoId',
      sql<string>`coalesce(c.note, '')`.as('note'),
      'u.name as recordedBy',
      'c.recorded_at as recordedAt',
      sql<number>`coalesce(c.version, 0)`.as('checkVersion'),
    ])
    .orderBy(stageOrder)
    .orderBy(sql`lower(t.name)`)
    .orderBy('s.position')
    .orderBy('s.id')
    .execute();
}

/** An item's checklist as its pages draw it: grouped by stage, with how far it is. */
export function checklistView(steps: readonly ItemCheckStep[]) {
  const required = steps.filter((step) => step.required);
  return {
    steps,
    groups: stages.map((stage) => ({ ...stage, steps: steps.filter((step) => step.stage === stage.value) })).filter((group) => group.steps.length > 0),
    requiredCount: required.length,
    settledCount: required.filter((step) => isSettled(step.outcome)).length,
    open: required.filter((step) => !isSettled(step.outcome)),
    limitsText,
    decimalText,
  };
}

/** The required steps an item still lacks, in words for the person marking it BUILT; none: empty. */
export async function checklistGate(tx: Tx, itemId: number): Promise<FieldErrors> {
  const open = await stepsOfItem(tx, itemId)
    .select(['s.label', 'c.outcome'])
    .where('s.required', '=', true)
    .where((eb) => eb.or([eb('c.outcome', 'is', null), eb('c.outcome', '=', 'failed')]))
    .orderBy(stageOrder)
    .orderBy('s.position')
    .orderBy('s.id')
    .execute();
  if (open.length === 0) return {};
  const named = open.slice(0, 4).map((step) => (step.outcome === 'failed' ? `${step.label} (failed)` : step.label));
  const more = open.length > named.length ? ` and ${open.length - named.length} more` : '';
  const count = open.length === 1 ? 'one required step is' : `${open.length} required steps are`;
  return { checklist: `The checklist is not finished: ${count} not passed yet (${named.join(', ')}${more}). Finish them first, or ask QA to waive them with a reason.` };
}

/** What the person did with one step. */
export type CheckRecord =
  | { action: 'done' }
  | { action: 'pass' | 'fail'; note?: string }
  | { action: 'measure'; value: string }
  | { action: 'waive'; reason: string };

interface LockedStep {
  label: string;
  kind: ChecklistStepKind;
  required: boolean;
  unit: string;
  lowerLimit: string | null;
  upperLimit: string | null;
  outcome: CheckOutcome | null;
  checkVersion: number;
  recordedBy: string | null;
}

/** Still being made (a move out starts or builds it), before a move that asks for the checklist, or on hold. */
function stillOpen() {
  return sql<boolean>`(ws.kind = 'hold' or exists (select 1 from workflow_transitions t where t.workflow = line_items.workflow and t.from_status = line_items.status
                            and (t.intent in ('start', 'built') or 'checklist' = any(t.requires))))`;
}

/** Whether the item's checklist may still change: past its gate (BUILT, finished, cancelled) it is closed. */
export async function checklistOpen(db: DbOrTx, itemId: number): Promise<boolean> {
  const row = await db
    .selectFrom('line_items')
    .innerJoin('workflow_statuses as ws', (join) => join.onRef('ws.workflow', '=', 'line_items.workflow').onRef('ws.key', '=', 'line_items.status'))
    .select(stillOpen().as('open'))
    .where('line_items.id', '=', itemId)
    .executeTakeFirst();
  return row?.open ?? false;
}

/**
 * The item (no key update: BUILT in flight waits for this and this for it, and two people
 * recording on the same item take turns, even on a step with no result yet) and the step,
 * checked against the result's version the person's page showed.
 */
async function lockStep(tx: Tx, itemId: number, stepId: number, expectedVersion: number): Promise<LockedStep> {
  const item = await tx
    .selectFrom('line_items')
    .innerJoin('workflow_statuses as ws', (join) => join.onRef('ws.workflow', '=', 'line_items.workflow').onRef('ws.key', '=', 'line_items.status'))
    .select([
      'ws.kind',
      'ws.label',
      stillOpen().as('open'),
    ])
    .where('line_items.id', '=', itemId)
    .forNoKeyUpdate('line_items')
    .executeTakeFirst();
  if (!item) throw new HttpError(404, 'That item no longer exists.');
  // Past the gate (BUILT, finished, cancelled), a result would change nothing it was held to.
  if (!item.open) throw new HttpError(422, `This item is “${item.label}”: its checklist is closed.`);
  const step = await stepsOfItem(tx, itemId)
    .leftJoin('users as u', 'u.id', 'c.recorded_by')
    .select(['s.label', 's.kind', 's.required', 's.unit', 's.lower_limit as lowerLimit', 's.upper_limit as upperLimit', 'c.outcome', sql<number>`coalesce(c.version, 0)`.as('checkVersion'), 'u.name as recordedBy'])
    .where('s.id', '=', stepId)
    .executeTakeFirst();
  if (!step) throw new HttpError(404, 'That step is not on this item’s checklist (any more).');
  if (step.checkVersion !== expectedVersion) {
    throw new ConflictError(`${step.recordedBy ?? 'Someone'} recorded “${step.label}” a moment ago (${outcomeWords(step.outcome)}). Nothing was changed; look at it again and record it again if it still applies.`);
  }
  return step;
}

function outcomeWords(outcome: CheckOutcome | null): string {
  return outcome === 'waived' ? 'waived' : outcome === 'failed' ? 'failed' : outcome === 'passed' ? 'passed' : outcome === 'done' ? 'done' : 'cleared';
}

/** Judges a measurement against the step's limits, exactly. */
export function judgeMeasurement(value: string, step: Pick<LockedStep, 'lowerLimit' | 'upperLimit'>): { measured: string; passed: boolean } {
  const units = decimalUnits(value);
  if (units === undefined) throw new ValidationError({ value: 'Enter the measurement as a number with a point for decimals, like 24.5.' });
  const lower = step.lowerLimit === null ? undefined : decimalUnits(step.lowerLimit);
  const upper = step.upperLimit === null ? undefined : decimalUnits(step.upperLimit);
  const passed = (lower === undefined || units >= lower) && (upper === undefined || units <= upper);
  return { measured: unitsToDecimal(units), passed };
}

interface CheckColumns {
  outcome: CheckOutcome;
  measured?: string | null;
  photo_id?: number | null;
  note?: string;
}

function columnsFor(step: LockedStep, record: CheckRecord, roles: readonly string[]): CheckColumns {
  if (record.action === 'waive') {
    if (!can(roles, 'checklists:waive')) throw new HttpError(403, 'Only QA waives a checklist step.');
    const reason = record.reason.trim();
    if (reason === '') throw new ValidationError({ reason: 'Say why the step is waived: it stays on the item’s record.' });
    if (reason.length > 1000) throw new ValidationError({ reason: 'Keep the reason under 1000 characters.' });
    if (step.outcome === 'done' || step.outcome === 'passed') throw new ValidationError({ reason: `“${step.label}” has passed: there is nothing to waive.` });
    return { outcome: 'waived', note: reason };
  }
  const mismatch = () => new ValidationError({ form: `“${step.label}” is recorded another way; reload the page.` });
  switch (record.action) {
    case 'done':
      if (step.kind !== 'check') throw mismatch();
      return { outcome: 'done' };
    case 'pass':
    case 'fail': {
      if (step.kind !== 'pass_fail') throw mismatch();
      const note = (record.note ?? '').trim();
      if (note.length > 1000) throw new ValidationError({ note: 'Keep the note under 1000 characters.' });
      return { outcome: record.action === 'pass' ? 'passed' : 'failed', note };
    }
    case 'measure': {
      if (step.kind !== 'measurement') throw mismatch();
      const { measured, passed } = judgeMeasurement(record.value, step);
      return { outcome: passed ? 'passed' : 'failed', measured };
    }
  }
}

async function saveCheck(tx: Tx, actor: CheckActor, itemId: number, stepId: number, step: LockedStep, columns: CheckColumns): Promise<CheckOutcome> {
  const values = {
    outcome: columns.outcome,
    measured: columns.measured ?? null,
    lower_limit: columns.measured ? step.lowerLimit : null,
    upper_limit: columns.measured ? step.upperLimit : null,
    photo_id: columns.photo_id ?? null,
    note: columns.note ?? '',
    recorded_by: actor.userId,
    kiosk_id: actor.kioskId,
    recorded_at: sql<Date>`now()`,
  };
  // A waiver keeps the reading it waives (24.5 in, against 23.75–24.25): that is what QA accepted.
  const kept = columns.outcome === 'waived' ? { measured: sql<string | null>`item_checks.measured`, lower_limit: sql<string | null>`item_checks.lower_limit`, upper_limit: sql<string | null>`item_checks.upper_limit` } : {};
  await tx
    .insertInto('item_checks')
    .values({ line_item_id: itemId, step_id: stepId, ...values })
    .onConflict((oc) => oc.columns(['line_item_id', 'step_id']).doUpdateSet({ ...values, ...kept, version: sql<number>`item_checks.version + 1` }))
    .execute();
  const waived = columns.outcome === 'waived';
  await recordEvent(tx, actor, {
    subjectType: 'line_item',
    subjectId: itemId,
    action: waived ? 'check-waived' : 'check-recorded',
    note: waived || columns.note ? columns.note : undefined,
    particulars: {
      stepId,
      step: step.label,
      outcome: columns.outcome,
      ...(columns.measured ? { measured: decimalText(columns.measured), unit: step.unit, limits: limitsText(step) } : {}),
      ...(columns.photo_id ? { photo: columns.photo_id } : {}),
    },
  });
  return columns.outcome;
}

function mayRecord(actor: CheckActor, record: CheckRecord) {
  if (record.action !== 'waive' && !can(actor.roles, 'checklists:record')) throw new HttpError(403, 'Your roles do not include recording checklist steps.');
}

/** Records one step of an item's checklist: ticked, passed or failed, measured, or waived by QA. */
export async function recordCheck(db: DbOrTx, actor: CheckActor, itemId: number, stepId: number, expectedVersion: number, record: CheckRecord): Promise<{ label: string; outcome: CheckOutcome }> {
  mayRecord(actor, record);
  // A waiver is QA's, whatever else the person holds: it is recorded as QA's.
  const recorded = record.action === 'waive' ? { ...actor, role: roleUsed(actor.roles, (role) => can([role], 'checklists:waive')) } : actor;
  return inTransaction(db, async (tx) => {
    const step = await lockStep(tx, itemId, stepId, expectedVersion);
    const outcome = await saveCheck(tx, recorded, itemId, stepId, step, columnsFor(step, record, actor.roles));
    return { label: step.label, outcome };
  });
}

/** A photo step: the photo is stored with the item's photos, and the step is done. */
export async function recordPhotoCheck(db: DbOrTx, actor: CheckActor, itemId: number, stepId: number, expectedVersion: number, upload: Buffer): Promise<{ label: string; outcome: CheckOutcome }> {
  mayRecord(actor, { action: 'done' });
  if (upload.length === 0) throw new ValidationError({ photo: 'Take or choose a photo first.' });
  const photo = await processPhoto(upload);
  return inTransaction(db, async (tx) => {
    const step = await lockStep(tx, itemId, stepId, expectedVersion);
    if (step.kind !== 'photo') throw new ValidationError({ form: `“${step.label}” is recorded another way; reload the page.` });
    const photoId = await storePhoto(tx, actor, itemId, photo);
    const outcome = await saveCheck(tx, actor, itemId, stepId, step, { outcome: 'done', photo_id: photoId });
    return { label: step.label, outcome };
  });
}

/** The words for what was just recorded, for the flash or the kiosk's message. */
export function recordedMessage({ label, outcome }: { label: string; outcome: CheckOutcome }): string {
  switch (outcome) {
    case 'failed':
      return `“${label}” failed. Fix it and record it again, or ask QA to waive it.`;
    case 'waived':
      return `“${label}” is waived.`;
    case 'passed':
      return `“${label}” passed.`;
    default:
      return `“${label}” is done.`;
  }
}
