import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import type { ShopCalendar } from '../monitoring/business-time.js';
import { addDays } from '../monitoring/working-calendar.js';
import { transitionsWithIntent, type Workflow } from '../workflow/definition.js';

/** One machine's planned work on one day, against what it can give that day. */
export interface DayLoad {
  machineId: number | null;
  day: string;
  /** Planned minutes of work that fall on the day. */
  loadMinutes: number;
  /** Items planned over the day. */
  items: number;
  /** Zero on a day the shop is closed. */
  capacityMinutes: number;
  works: boolean;
  over: boolean;
}

/** An item planned over some of the days asked about: what loads and bars are made of. */
export interface PlannedRow {
  id: number;
  machineId: number | null;
  start: string;
  end: string;
  minutes: number | null;
  status: string;
}

const dayMs = 86_400_000;
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / dayMs;
/** ISO weekday (1 Monday … 7 Sunday) of a day number: day 0, 1970-01-01, was a Thursday. */
const isoWeekday = (day: number) => ((((day + 3) % 7) + 7) % 7) + 1;

/** The shop works that day: one of its working weekdays, and not a holiday. */
export function worksOn(calendar: ShopCalendar, day: string): boolean {
  return calendar.workDays.includes(isoWeekday(dayNumber(day))) && !calendar.holidays.has(day);
}

/** Every date from `from` to `to`, both included. */
export function datesFrom(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) dates.push(day);
  return dates;
}

/**
 * The items planned over any of the days from `from` to `to` (one machine's, or all), cancelled
 * ones left out. Read through the plan's partial index, which carries what this needs.
 */
export async function plannedRows(db: DbOrTx, from: string, to: string, cancelled: readonly string[], machineId?: number | null): Promise<PlannedRow[]> {
  const machineFilter = machineId === undefined ? sql`` : machineId === null ? sql`and machine_id is null` : sql`and machine_id = ${machineId}`;
  const { rows } = await sql<PlannedRow>`
    select id, machine_id as "machineId", planned_start::text as start, planned_end::text as "end", expected_work_minutes as minutes, status
      from line_items
     where planned_start is not null and planned_start <= ${to}::date and planned_end >= ${from}::date
       and status <> all(${[...cancelled]}::text[]) ${machineFilter}`.execute(db);
  return rows;
}

/** Each machine's planned minutes and items on each day of the board, by day from its first. */
export type PlannedLoads = Map<number | null, { minutes: Float64Array; items: Int32Array }>;

/**
 * Planned minutes per machine and day. An item's expected work is spread evenly over the working
 * days of its plan (over all its days when none is a working day: a plan on a closed day shows as
 * a load there, over its zero capacity). Only items still to be made (`loading`) take capacity;
 * every item counts as on the day, and one with no expected time takes no time.
 */
export function plannedLoads(rows: readonly PlannedRow[], calendar: ShopCalendar, from: string, to: string, loading: ReadonlySet<string>): PlannedLoads {
  const first = dayNumber(from), length = dayNumber(to) - first + 1;
  const workDays = new Set(calendar.workDays);
  const holidays = new Set([...calendar.holidays].map(dayNumber));
  const works = (day: number) => workDays.has(isoWeekday(day)) && !holidays.has(day);
  const days = new Map<string, number>();
  const numberOf = (date: string) => {
    let day = days.get(date);
    if (day === undefined) days.set(date, (day = dayNumber(date)));
    return day;
  };
  const loads: PlannedLoads = new Map();
  for (const row of rows) {
    const start = numberOf(row.start), end = numberOf(row.end);
    let workingDays = 0;
    for (let day = start; day <= end; day += 1) if (works(day)) workingDays += 1;
    const share = (loading.has(row.status) ? (row.minutes ?? 0) : 0) / (workingDays || end - start + 1);
    let load = loads.get(row.machineId);
    if (!load) loads.set(row.machineId, (load = { minutes: new Float64Array(length), items: new Int32Array(length) }));
    for (let day = Math.max(start, first); day <= Math.min(end, first + length - 1); day += 1) {
      if (workingDays === 0 || works(day)) load.minutes[day - first]! += share;
      load.items[day - first]! += 1;
    }
  }
  return loads;
}

/** Each day's load against capacity, for one machine (or the items with none: no capacity to exceed). */
export function dayLoadsOf(calendar: ShopCalendar, loads: PlannedLoads, machine: { id: number | null; capacityMinutes: number }, days: readonly string[]): DayLoad[] {
  const load = loads.get(machine.id);
  return days.map((day, index) => {
    const loadMinutes = Math.round(load?.minutes[index] ?? 0);
    const works = worksOn(calendar, day);
    const capacityMinutes = works ? machine.capacityMinutes : 0;
    return { machineId: machine.id, day, loadMinutes, items: load?.items[index] ?? 0, capacityMinutes, works, over: machine.id !== null && loadMinutes > capacityMinutes };
  });
}

/** One machine's days from `from` to `to` against its capacity. */
export async function machineDayLoads(db: DbOrTx, calendar: ShopCalendar, statuses: { cancelled: readonly string[]; loading: ReadonlySet<string> }, machineId: number, from: string, to: string): Promise<DayLoad[]> {
  const [rows, machine] = await Promise.all([
    plannedRows(db, from, to, statuses.cancelled, machineId),
    db.selectFrom('machines').select('capacity_minutes as capacityMinutes').where('id', '=', machineId).executeTakeFirstOrThrow(),
  ]);
  return dayLoadsOf(calendar, plannedLoads(rows, calendar, from, to, statuses.loading), { id: machineId, capacityMinutes: machine.capacityMinutes }, datesFrom(from, to));
}

/** Statuses where work is still to be done before BUILT: where a plan is worth making, and takes capacity. */
export function plannableStatuses(workflow: Workflow): string[] {
  return [...workflow.statuses.values()]
    .filter((status) => status.kind === 'open' || status.kind === 'hold')
    .filter((status) => transitionsWithIntent(workflow, status.key, 'built').length > 0 || transitionsWithIntent(workflow, status.key, 'start').length > 0)
    .map((status) => status.key);
}

/** What the board reads of the workflow: the statuses it leaves out, and those that take capacity. */
export function planningStatuses(workflow: Workflow): { cancelled: string[]; loading: Set<string> } {
  return {
    cancelled: [...workflow.statuses.values()].filter((status) => status.kind === 'cancelled').map((status) => status.key),
    loading: new Set(plannableStatuses(workflow)),
  };
}
