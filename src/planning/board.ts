import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import type { ShopCalendar } from '../monitoring/business-time.js';
import { addDays } from '../monitoring/working-calendar.js';
import type { Workflow } from '../workflow/definition.js';
import { datesFrom, dayLoadsOf, plannableStatuses, plannedLoads, plannedRows, planningStatuses, worksOn, type DayLoad, type PlannedRow } from './load.js';

/** Bars drawn per machine; the rest are counted, and listed on the machine's own view. */
export const barsPerMachine = 10;
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

type BarDetails = Omit<PlanBar, 'column' | 'span' | 'clippedStart' | 'clippedEnd'>;

/**
 * The first `limit` planned items of each machine, by start, end and id, and how many each has:
 * picked from the planned rows already read, then described in one lookup by id.
 */
async function planBars(db: DbOrTx, workflow: Workflow, rows: readonly PlannedRow[], limit: number) {
  const byMachine = new Map<number | null, PlannedRow[]>();
  for (const row of rows) {
    const list = byMachine.get(row.machineId) ?? [];
    list.push(row);
    byMachine.set(row.machineId, list);
  }
  const firstOf = new Map<number | null, PlannedRow[]>();
  const totals = new Map<number | null, number>();
  for (const [machineId, list] of byMachine) {
    list.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.end < b.end ? -1 : a.end > b.end ? 1 : a.id - b.id));
    firstOf.set(machineId, list.slice(0, limit));
    totals.set(machineId, list.length);
  }
  const ids = [...firstOf.values()].flat().map((row) => row.id);
  const details =
    ids.length === 0
      ? []
      : await db
          .selectFrom('line_items')
          .innerJoin('orders', 'orders.id', 'line_items.order_id')
          .select([
            'line_items.id',
            sql<string>`line_items.order_number || ' · ' || line_items.position || '/' || orders.last_item_number`.as('label'),
            sql<string>`line_items.order_number || '-' || line_items.position`.as('code'),
            'line_items.description',
            'line_items.plan_version as planVersion',
            sql<string | null>`line_items.due_date::text`.as('dueDate'),
          ])
          .where(sql<boolean>`line_items.id = any(${ids}::int[])`)
          .execute();
  const described = new Map(details.map((row) => [row.id, row]));
  const bars = new Map<number | null, BarDetails[]>();
  for (const [machineId, list] of firstOf) {
    bars.set(
      machineId,
      list.flatMap((row) => {
        const more = described.get(row.id);
        const status = workflow.statuses.get(row.status);
        return more ? [{ ...more, machineId, start: row.start, end: row.end, expectedWorkMinutes: row.minutes, statusLabel: status?.label ?? row.status, kind: status?.kind ?? 'open' }] : [];
      }),
    );
  }
  return { bars, totals };
}

/** Where a bar sits on a board of `dates`. */
function placed(bar: BarDetails, dates: readonly string[]): PlanBar {
  const first = dates[0]!, last = dates[dates.length - 1]!;
  const start = bar.start < first ? first : bar.start;
  const end = bar.end > last ? last : bar.end;
  const column = dates.indexOf(start) + 1;
  return { ...bar, column, span: dates.indexOf(end) - column + 2, clippedStart: bar.start < first, clippedEnd: bar.end > last };
}

/**
 * What the board reads of the planned items, the expensive part: loads by machine and day, the
 * first bars of each machine, and the items still to plan. An app instance reuses it while the
 * plans stay the same (src/planning/routes.ts).
 */
export async function boardParts(db: DbOrTx, workflow: Workflow, calendar: ShopCalendar, from: string, to: string) {
  const statuses = planningStatuses(workflow);
  const [rows, unplanned] = await Promise.all([plannedRows(db, from, to, statuses.cancelled), itemsToPlan(db, workflow)]);
  const loads = plannedLoads(rows, calendar, from, to, statuses.loading);
  const { bars, totals } = await planBars(db, workflow, rows, barsPerMachine);
  return { loads, bars, totals, unplanned };
}
export type BoardParts = Awaited<ReturnType<typeof boardParts>>;

export type BoardMachine = { id: number | null; name: string; active: boolean; capacityMinutes: number };

/** The machines, as every board request reads them (a capacity changed shows at once). */
export function boardMachines(db: DbOrTx): Promise<BoardMachine[]> {
  return db.selectFrom('machines').select(['id', 'name', 'active', 'capacity_minutes as capacityMinutes']).orderBy(sql`lower(name)`).execute();
}

/**
 * The planning board: each machine a row, each day a column with the planned load against the
 * machine's capacity (over-capacity days flagged), and the items planned on it as bars.
 */
export function assembleBoard(machines: readonly BoardMachine[], { loads, bars, totals, unplanned }: BoardParts, calendar: ShopCalendar, from: string, length: number) {
  const to = addDays(from, length - 1);
  const dates = datesFrom(from, to);
  const row = (machine: BoardMachine): BoardRow => {
    const own = bars.get(machine.id) ?? [];
    return {
      machineId: machine.id,
      name: machine.name,
      active: machine.active,
      capacityMinutes: machine.capacityMinutes,
      days: dayLoadsOf(calendar, loads, machine, dates),
      bars: own.map((bar) => placed(bar, dates)),
      more: (totals.get(machine.id) ?? 0) - own.length,
    };
  };
  // Retired machines only while something is planned on them; items with no machine last, when there are any.
  const boardRows = machines.filter((machine) => machine.active || bars.has(machine.id)).map(row);
  if (bars.has(null)) boardRows.push(row({ id: null, name: 'No machine', active: true, capacityMinutes: 0 }));
  return {
    from,
    to,
    length,
    days: dates.map((date) => ({ date, works: worksOn(calendar, date) })),
    rows: boardRows,
    overCount: boardRows.reduce((sum, r) => sum + r.days.filter((day) => day.over).length, 0),
    unplanned,
    previous: addDays(from, -length),
    next: addDays(from, length),
  };
}

/** The board read afresh. */
export async function planningBoard(db: DbOrTx, workflow: Workflow, calendar: ShopCalendar, from: string, length: number) {
  const [machines, parts] = await Promise.all([boardMachines(db), boardParts(db, workflow, calendar, from, addDays(from, length - 1))]);
  return assembleBoard(machines, parts, calendar, from, length);
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
export async function machinePlan(db: DbOrTx, workflow: Workflow, calendar: ShopCalendar, machineId: number | null, from: string, length: number) {
  const to = addDays(from, length - 1);
  const dates = datesFrom(from, to);
  const machine =
    machineId === null
      ? { id: null, name: 'No machine', active: true, capacityMinutes: 0 }
      : await db.selectFrom('machines').select(['id', 'name', 'active', 'capacity_minutes as capacityMinutes']).where('id', '=', machineId).executeTakeFirst();
  if (!machine) return undefined;
  const statuses = planningStatuses(workflow);
  const rows = await plannedRows(db, from, to, statuses.cancelled, machineId);
  const { bars } = await planBars(db, workflow, rows, 10_000);
  return { machine, from, to, length, days: dayLoadsOf(calendar, plannedLoads(rows, calendar, from, to, statuses.loading), machine, dates), bars: (bars.get(machineId) ?? []).map((bar) => placed(bar, dates)) };
}
