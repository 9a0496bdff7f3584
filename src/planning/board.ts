import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import type { ShopCalendar } from '../monitoring/business-time.js';
import { addDays } from '../monitoring/working-calendar.js';
import type { Workflow } from '../workflow/definition.js';
import { transitionsWithIntent } from '../workflow/definition.js';
import { datesFrom, dayLoadsOf, plannedLoads, worksOn, type DayLoad } from './load.js';

/** Bars drawn per machine; the rest are counted, and listed on the machine's own view. */
export const barsPerMachine = 12;
export const boardLengths = [7, 14, 28] as const;
const unplannedShown = 25;

export interface PlanBar {
  id: number;
  machineId: number | null;
  label: string;
  /** "1042-2", as scanned off the job traveler: short enough for a one-day bar. */
  code: string;
  description: string;
  start: string;
  end: string;
  planVersion: number;
  expectedWorkMinutes: number | null;
  dueDate: string | null;
  statusLabel: string;
  kind: string;
  /** Where the bar starts and how many days it covers, within the board (1-based columns). */
  column: number;
  span: number;
  /** It starts before the board, or ends after it. */
  clippedStart: boolean;
  clippedEnd: boolean;
}

export interface BoardRow {
  machineId: number | null;
  name: string;
  active: boolean;
  capacityMinutes: number;
  days: DayLoad[];
  bars: PlanBar[];
  /** Planned items on the board's days not drawn as bars. */
  more: number;
}

async function planBars(db: DbOrTx, from: string, to: string, machineId: number | null | undefined, limit: number) {
  const machineFilter = machineId === undefined ? sql`` : machineId === null ? sql`and li.machine_id is null` : sql`and li.machine_id = ${machineId}`;
  const { rows } = await sql<Omit<PlanBar, 'column' | 'span' | 'clippedStart' | 'clippedEnd'> & { total: number }>`
    select * from (
      select li.id, li.machine_id as "machineId",
             li.order_number || ' · ' || li.position || '/' || o.last_item_number as label,
             li.order_number || '-' || li.position as code, li.description, li.planned_start::text as start, li.planned_end::text as "end", li.plan_version as "planVersion",
             li.expected_work_minutes as "expectedWorkMinutes", li.due_date::text as "dueDate", ws.label as "statusLabel", ws.kind,
             row_number() over (partition by li.machine_id order by li.planned_start, li.planned_end, li.id) as place,
             count(*) over (partition by li.machine_id)::int as total
        from line_items li
        join orders o on o.id = li.order_id
        join workflow_statuses ws on ws.workflow = li.workflow and ws.key = li.status
       where li.planned_start is not null and li.planned_start <= ${to}::date and li.planned_end >= ${from}::date
         and ws.kind <> 'cancelled' ${machineFilter}
    ) bars
    where place <= ${limit}
    order by "machineId" nulls last, place`.execute(db);
  return rows;
}

/** Where a bar sits on a board of `dates`. */
function placed(bar: Omit<PlanBar, 'column' | 'span' | 'clippedStart' | 'clippedEnd'>, dates: readonly string[]): PlanBar {
  const first = dates[0]!, last = dates[dates.length - 1]!;
  const start = bar.start < first ? first : bar.start;
  const end = bar.end > last ? last : bar.end;
  const column = dates.indexOf(start) + 1;
  return { ...bar, column, span: dates.indexOf(end) - column + 2, clippedStart: bar.start < first, clippedEnd: bar.end > last };
}

/**
 * The planning board: each machine a row, each day a column with the planned load against the
 * machine's capacity (over-capacity days flagged), and the items planned on it as bars. Four
 * queries: machines, loads (summed by PostgreSQL), the first bars of each row, and the items
 * still to plan.
 */
export async function planningBoard(db: DbOrTx, workflow: Workflow, calendar: ShopCalendar, from: string, length: number) {
  const to = addDays(from, length - 1);
  const dates = datesFrom(from, to);
  const [machines, loads, bars, unplanned] = await Promise.all([
    db.selectFrom('machines').select(['id', 'name', 'active', 'capacity_minutes as capacityMinutes']).orderBy(sql`lower(name)`).execute(),
    plannedLoads(db, calendar, from, to),
    planBars(db, from, to, undefined, barsPerMachine),
    itemsToPlan(db, workflow),
  ]);
  const barsOf = (machineId: number | null) => bars.filter((bar) => bar.machineId === machineId);
  const row = (machine: { id: number | null; name: string; active: boolean; capacityMinutes: number }): BoardRow => {
    const own = barsOf(machine.id);
    return {
      machineId: machine.id,
      name: machine.name,
      active: machine.active,
      capacityMinutes: machine.capacityMinutes,
      days: dayLoadsOf(calendar, loads, machine, dates),
      bars: own.map((bar) => placed(bar, dates)),
      more: own.length > 0 ? own[0]!.total - own.length : 0,
    };
  };
  // Retired machines only while something is planned on them; items with no machine last, when there are any.
  const rows = machines.filter((machine) => machine.active || barsOf(machine.id).length > 0).map(row);
  if (barsOf(null).length > 0) rows.push(row({ id: null, name: 'No machine', active: true, capacityMinutes: 0 }));
  return {
    from,
    to,
    length,
    days: dates.map((date) => ({ date, works: worksOn(calendar, date) })),
    rows,
    overCount: rows.reduce((sum, r) => sum + r.days.filter((day) => day.over).length, 0),
    unplanned,
    previous: addDays(from, -length),
    next: addDays(from, length),
  };
}
export type PlanningBoard = Awaited<ReturnType<typeof planningBoard>>;

/** Statuses where work is still to be done before BUILT: where a plan is worth making. */
export function plannableStatuses(workflow: Workflow): string[] {
  return [...workflow.statuses.values()]
    .filter((status) => status.kind === 'open' || status.kind === 'hold')
    .filter((status) => transitionsWithIntent(workflow, status.key, 'built').length > 0 || transitionsWithIntent(workflow, status.key, 'start').length > 0)
    .map((status) => status.key);
}

/**
 * Items waiting to be made with no plan, the soonest due first. One index range per status
 * (status, due date), merged: ordering all the statuses' items together would sort them all.
 */
export async function itemsToPlan(db: DbOrTx, workflow: Workflow) {
  const statuses = plannableStatuses(workflow);
  if (statuses.length === 0) return [];
  const perStatus = statuses.map(
    (status) => sql`(select li.id, li.order_id, li.order_number, li.position, li.description, li.due_date, li.expected_work_minutes, li.machine_id, li.status, li.plan_version
                       from line_items li
                      where li.status = ${status} and li.planned_start is null
                      order by li.due_date, li.id
                      limit ${unplannedShown})`,
  );
  const { rows } = await sql<{ id: number; label: string; description: string; dueDate: string | null; expectedWorkMinutes: number | null; machine: string | null; status: string; planVersion: number }>`
    select u.id, u.order_number || ' · ' || u.position || '/' || o.last_item_number as label, u.description, u.due_date::text as "dueDate",
           u.expected_work_minutes as "expectedWorkMinutes", m.name as machine, u.status, u.plan_version as "planVersion"
      from (${sql.join(perStatus, sql` union all `)}) u
      join orders o on o.id = u.order_id
      left join machines m on m.id = u.machine_id
     order by u.due_date nulls last, u.id
     limit ${unplannedShown}`.execute(db);
  return rows;
}

/** One machine's planned items over the board's days, all of them (the board draws the first few). */
export async function machinePlan(db: DbOrTx, calendar: ShopCalendar, machineId: number | null, from: string, length: number) {
  const to = addDays(from, length - 1);
  const dates = datesFrom(from, to);
  const machine =
    machineId === null
      ? { id: null, name: 'No machine', active: true, capacityMinutes: 0 }
      : await db.selectFrom('machines').select(['id', 'name', 'active', 'capacity_minutes as capacityMinutes']).where('id', '=', machineId).executeTakeFirst();
  if (!machine) return undefined;
  const [loads, bars] = await Promise.all([plannedLoads(db, calendar, from, to, machineId ?? undefined), planBars(db, from, to, machineId, 10_000)]);
  return { machine, from, to, length, days: dayLoadsOf(calendar, loads, machine, dates), bars: bars.map((bar) => placed(bar, dates)) };
}
