import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { lastActor } from '../events/history.js';
import { recordEvent, type Actor } from '../events/record.js';
import type { ShopCalendar } from '../monitoring/business-time.js';
import { addDays } from '../monitoring/working-calendar.js';
import { refreshApprovedSheets } from '../orders/sheets.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import * as fmt from '../platform/format.js';
import { formSpec, type FormValues } from '../platform/form-spec.js';
import { isCalendarDate } from '../platform/schemas.js';
import { touchQueueOfSubject } from '../workflow/queue-changes.js';
import { lineItemWorkflow } from '../line-items/subject.js';
import { loadWorkflow } from '../workflow/definition.js';
import { machineDayLoads, planningStatuses, type DayLoad } from './load.js';

/** The longest plan an item may have: a year (the database holds it to that too). */
export const longestPlanDays = 366;

export const planForm = formSpec({
  machineId: { kind: 'reference', label: 'Machine', placeholder: 'No machine', invalid: 'Choose a machine from the list.' },
  start: { kind: 'date', label: 'Planned start', max: 10, required: 'Enter the day work starts.' },
  end: { kind: 'date', label: 'Planned end', max: 10, required: 'Enter the day it should be BUILT.' },
});
export type PlanValues = FormValues<typeof planForm.fields>;

export interface PlanChange {
  machineId: string;
  start: string;
  /** Absent: the plan keeps its length (a bar dragged to another day). */
  end?: string;
}

export interface PlanOutcome {
  label: string;
  machine: string | null;
  start: string;
  end: string;
  /** The days of the new plan on its machine that are now over capacity. */
  overloaded: DayLoad[];
}

/** Whole days from one calendar date to another. */
export const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

function checkedDates(change: PlanChange, currentLength: number | null): { start: string; end: string } {
  const errors: FieldErrors = {};
  const start = change.start.trim();
  if (start === '') errors.start = planForm.fields.start.required!;
  else if (!isCalendarDate(start)) errors.start = 'Enter a date like 2027-03-31.';
  let end = change.end?.trim();
  if (end === undefined) {
    if (currentLength === null) errors.end = planForm.fields.end.required!;
    else if (!errors.start) end = addDays(start, currentLength);
  } else if (end === '') errors.end = planForm.fields.end.required!;
  else if (!isCalendarDate(end)) errors.end = 'Enter a date like 2027-03-31.';
  else if (!errors.start && end < start) errors.end = 'The end is before the start.';
  else if (!errors.start && daysBetween(start, end) > longestPlanDays) errors.end = `Plan at most ${longestPlanDays} days; split longer work into items.`;
  if (!errors.start && !errors.end && (!isCalendarDate(end!) || end! > '9999-12-31')) errors.end = 'That plan ends after the year 9999.';
  else if (!errors.start && !errors.end && end! < fmt.today()) errors.end = 'That plan is over before today: plan the days the work is still to be done.';
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return { start, end: end! };
}

/** An item with its plan, where it is, and what it is called: for the form, and for a move. */
function planOf(db: DbOrTx, itemId: number) {
  return db
    .selectFrom('line_items')
    .innerJoin('orders', 'orders.id', 'line_items.order_id')
    .innerJoin('workflow_statuses as ws', (join) => join.onRef('ws.workflow', '=', 'line_items.workflow').onRef('ws.key', '=', 'line_items.status'))
    .leftJoin('machines', 'machines.id', 'line_items.machine_id')
    .select([
      'line_items.id',
      'line_items.order_id as orderId',
      'line_items.description',
      'line_items.due_date as dueDate',
      'line_items.expected_work_minutes as expectedWorkMinutes',
      'line_items.machine_id as machineId',
      'machines.name as machine',
      'line_items.planned_start as start',
      'line_items.planned_end as end',
      'line_items.plan_version as planVersion',
      'ws.kind',
      'ws.label as statusLabel',
      sql<string>`line_items.order_number || ' · ' || line_items.position || '/' || orders.last_item_number`.as('label'),
    ])
    .where('line_items.id', '=', itemId);
}

/** The item, locked for its plan (no key update: a transition in flight waits, and so does a second planner). */
async function lockForPlanning(tx: Tx, itemId: number) {
  const item = await planOf(tx, itemId).forNoKeyUpdate('line_items').executeTakeFirst();
  if (!item) throw new HttpError(404, 'That item does not exist.');
  return item;
}

type LockedItem = Awaited<ReturnType<typeof lockForPlanning>>;

async function checkVersion(tx: Tx, item: LockedItem, expectedVersion: number) {
  if (item.planVersion === expectedVersion) return;
  const who = await lastActor(tx, 'line_item', item.id);
  const now = item.start ? `${fmt.date(item.start)} – ${fmt.date(item.end)}${item.machine ? ` on the ${item.machine}` : ''}` : 'not planned';
  throw new ConflictError(`${who ?? 'Someone'} changed the plan of ${item.label} a moment ago: it is now ${now}. Nothing was changed; look at the board again and move it if it still applies.`);
}

function planWords(plan: { start: string | null; end: string | null; machine: string | null }): string {
  if (!plan.start) return 'not planned';
  return `${fmt.date(plan.start)} – ${fmt.date(plan.end)}${plan.machine ? ` on the ${plan.machine}` : ''}`;
}

/**
 * Plans an item: its machine and the days it is made, or moves it (a new start keeping its
 * length). Refused when someone changed the plan since the planner looked (its own version,
 * apart from the item's). Over-capacity days are allowed: they are the planner's call, and said.
 */
export async function planItem(db: DbOrTx, actor: Actor, calendar: ShopCalendar, itemId: number, expectedVersion: number, change: PlanChange): Promise<PlanOutcome> {
  const machineText = change.machineId.trim();
  if (machineText !== '' && !/^[1-9]\d{0,8}$/.test(machineText)) throw new ValidationError({ machineId: 'Choose a machine from the list.' });
  return inTransaction(db, async (tx) => {
    const item = await lockForPlanning(tx, itemId);
    await checkVersion(tx, item, expectedVersion);
    if (item.kind === 'completed' || item.kind === 'cancelled') throw new HttpError(422, `${item.label} is “${item.statusLabel}”: a finished item is not planned.`);
    const currentLength = item.start && item.end ? daysBetween(item.start, item.end) : null;
    const { start, end } = checkedDates(change, currentLength);
    const machineId = machineText === '' ? null : Number(machineText);
    let machine: string | null = null;
    if (machineId !== null) {
      const row = await tx.selectFrom('machines').select(['name', 'active']).where('id', '=', machineId).executeTakeFirst();
      if (!row || (!row.active && machineId !== item.machineId)) throw new ValidationError({ machineId: 'Choose a machine from the list.' });
      machine = row.name;
    }
    await tx
      .updateTable('line_items')
      .set({ planned_start: start, planned_end: end, machine_id: machineId, plan_version: sql<number>`plan_version + 1` })
      .where('id', '=', itemId)
      .execute();
    await recordEvent(tx, actor, {
      subjectType: 'line_item',
      subjectId: itemId,
      action: 'planned',
      particulars: { plan: planWords({ start, end, machine }), before: planWords(item), start, end, machineId },
    });
    await plansChanged(tx);
    if (machineId !== item.machineId) {
      // The machine is part of the order too: an order form drawn before this is out of date
      // (its version moves on), and the sheets are redrawn under the order's lock, taken after
      // the item's as everywhere. It shows in queues and on station kiosks.
      await tx.updateTable('orders').set({ version: sql<number>`version + 1` }).where('id', '=', item.orderId).execute();
      await touchQueueOfSubject(tx, 'line_items', itemId);
      await refreshApprovedSheets(tx, actor, item.orderId);
    }
    const loads = machineId === null ? [] : await machineDayLoads(tx, calendar, planningStatuses(await loadWorkflow(tx, lineItemWorkflow)), machineId, start, end);
    return { label: item.label, machine, start, end, overloaded: loads.filter((load) => load.over) };
  });
}

/** Takes an item off the plan. */
export async function unplanItem(db: DbOrTx, actor: Actor, itemId: number, expectedVersion: number): Promise<{ label: string }> {
  return inTransaction(db, async (tx) => {
    const item = await lockForPlanning(tx, itemId);
    await checkVersion(tx, item, expectedVersion);
    if (!item.start) return { label: item.label };
    await tx.updateTable('line_items').set({ planned_start: null, planned_end: null, plan_version: sql<number>`plan_version + 1` }).where('id', '=', itemId).execute();
    await plansChanged(tx);
    await recordEvent(tx, actor, { subjectType: 'line_item', subjectId: itemId, action: 'planned', particulars: { plan: 'not planned', before: planWords(item) } });
    return { label: item.label };
  });
}

/** Every app instance's copy of the board is out of date from the commit on. */
async function plansChanged(tx: Tx): Promise<void> {
  await tx.updateTable('planning_changes').set({ seq: sql<number>`seq + 1` }).where('id', '=', true).execute();
}

/** Where the plans are: what a board read is kept under. */
export async function plansSeq(db: DbOrTx): Promise<number> {
  const row = await db.selectFrom('planning_changes').select('seq').where('id', '=', true).executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/** An item's plan as the planning form shows it. */
export async function itemPlan(db: DbOrTx, itemId: number) {
  return planOf(db, itemId).executeTakeFirst();
}
export type ItemPlan = NonNullable<Awaited<ReturnType<typeof itemPlan>>>;

/** What an outcome says: where it went, and which days it pushed over capacity. */
export function plannedMessage(outcome: PlanOutcome): string {
  const where = `${outcome.label} is planned ${planWords(outcome)}.`;
  if (outcome.overloaded.length === 0) return where;
  const days = outcome.overloaded.map((day) => `${fmt.date(day.day)} (${fmt.minutes(day.loadMinutes)} of ${fmt.minutes(day.capacityMinutes)})`).join(', ');
  return `${where} Over capacity on the ${outcome.machine}: ${days}.`;
}
