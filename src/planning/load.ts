import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import type { ShopCalendar } from '../monitoring/business-time.js';
import { addDays } from '../monitoring/working-calendar.js';

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

/** The shop works that day: one of its working weekdays, and not a holiday. */
export function worksOn(calendar: ShopCalendar, day: string): boolean {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay() || 7;
  return calendar.workDays.includes(weekday) && !calendar.holidays.has(day);
}

/** Every date from `from` to `to`, both included. */
export function datesFrom(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) dates.push(day);
  return dates;
}

/**
 * Planned minutes per machine and day between two dates. An item's expected work is spread
 * evenly over the working days of its plan (over all its days when none is a working day: a
 * plan on a closed day shows as a load there, over its zero capacity). Cancelled items take
 * none; an item with no expected time takes a place on the board and no time.
 */
export async function plannedLoads(db: DbOrTx, calendar: ShopCalendar, from: string, to: string, machineId?: number): Promise<Map<string, { loadMinutes: number; items: number }>> {
  const machineFilter = machineId === undefined ? sql`` : sql`and li.machine_id = ${machineId}`;
  const { rows } = await sql<{ machineId: number | null; day: string; loadMinutes: number; items: number }>`
    with planned as (
      select li.id, li.machine_id, li.planned_start, li.planned_end, coalesce(li.expected_work_minutes, 0)::numeric as minutes
        from line_items li
        join workflow_statuses ws on ws.workflow = li.workflow and ws.key = li.status
       where li.planned_start is not null and li.planned_start <= ${to}::date and li.planned_end >= ${from}::date
         and ws.kind <> 'cancelled' ${machineFilter}
    ), spread as (
      select p.id, p.machine_id, p.minutes, d::date as day,
             (extract(isodow from d)::int = any(${[...calendar.workDays]}::int[]) and not (d::date = any(${[...calendar.holidays]}::date[]))) as works
        from planned p
        cross join lateral generate_series(p.planned_start::timestamp, p.planned_end::timestamp, interval '1 day') d
    ), shares as (
      select id, count(*) filter (where works) as working_days, count(*) as all_days from spread group by id
    )
    select s.machine_id as "machineId", s.day::text as day,
           coalesce(round(sum(s.minutes / coalesce(nullif(sh.working_days, 0), sh.all_days)) filter (where s.works or sh.working_days = 0)), 0)::int as "loadMinutes",
           count(*)::int as items
      from spread s
      join shares sh on sh.id = s.id
     where s.day between ${from}::date and ${to}::date
     group by s.machine_id, s.day`.execute(db);
  return new Map(rows.map((row) => [`${row.machineId ?? ''}|${row.day}`, { loadMinutes: row.loadMinutes, items: row.items }]));
}

/** Each day's load against capacity, for one machine (or the items with none: no capacity to exceed). */
export function dayLoadsOf(calendar: ShopCalendar, loads: ReadonlyMap<string, { loadMinutes: number; items: number }>, machine: { id: number | null; capacityMinutes: number }, days: readonly string[]): DayLoad[] {
  return days.map((day) => {
    const load = loads.get(`${machine.id ?? ''}|${day}`) ?? { loadMinutes: 0, items: 0 };
    const works = worksOn(calendar, day);
    const capacityMinutes = works ? machine.capacityMinutes : 0;
    return { machineId: machine.id, day, ...load, capacityMinutes, works, over: machine.id !== null && load.loadMinutes > capacityMinutes };
  });
}

export async function machineDayLoads(db: DbOrTx, calendar: ShopCalendar, machineId: number, from: string, to: string): Promise<DayLoad[]> {
  const [loads, machine] = await Promise.all([
    plannedLoads(db, calendar, from, to, machineId),
    db.selectFrom('machines').select('capacity_minutes as capacityMinutes').where('id', '=', machineId).executeTakeFirstOrThrow(),
  ]);
  return dayLoadsOf(calendar, loads, { id: machineId, capacityMinutes: machine.capacityMinutes }, datesFrom(from, to));
}
