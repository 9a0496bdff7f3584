import { sql } from 'kysely';
import { DateTime } from 'luxon';
import type { DbOrTx } from '../db/database.js';
import type { StatusKind } from '../db/types.js';
import type { BusinessClock } from '../monitoring/business-time.js';
import { addDays, startsOf, workingCalendar, type WorkingCalendar } from '../monitoring/working-calendar.js';
import type { Workflow } from '../workflow/definition.js';

/**
 * The numbers behind the monitoring charts, read from line items and the `events` history.
 * An item's completion is when it entered its completed status (`status_entered_at`, on the
 * `(status, status_entered_at)` index the queues use), as the dashboard counts it.
 */

export const periodChoices = ['30', '90', '365'] as const;
export type PeriodChoice = (typeof periodChoices)[number];
export const defaultPeriod: PeriodChoice = '90';

/** The last `days` days of the shop's calendar, today included, up to now. */
export interface ChartPeriod {
  days: number;
  /** The start of the first day, in the shop's time zone. */
  from: Date;
  until: Date;
  /** Each day as YYYY-MM-DD, oldest first. */
  dates: string[];
  timeZone: string;
}

export function periodEnding(until: Date, days: number, timeZone: string): ChartPeriod {
  const first = DateTime.fromJSDate(until, { zone: timeZone }).startOf('day').minus({ days: days - 1 });
  const dates = Array.from({ length: days }, (_, index) => addDays(first.toISODate()!, index));
  return { days, from: first.toJSDate(), until, dates, timeZone };
}

/** Working milliseconds in one of the shop's days (what "1 working day" means in the charts). */
export function workingDayMs(clock: BusinessClock): number {
  const { dayStartMinute, dayEndMinute } = clock.calendar;
  return Math.max(1, dayEndMinute - dayStartMinute) * 60_000;
}

function statusesOfKind(workflow: Workflow, kinds: readonly StatusKind[]): string[] {
  return [...workflow.statuses.values()].filter((status) => kinds.includes(status.kind)).map((status) => status.key);
}

/** SQL for the working seconds from the calendar's start to the instant `<name>_at`, which falls on day `<name>_day`. */
function workedUntil(calendar: WorkingCalendar, name: 'done' | 'created') {
  const day = sql.ref(`${name}_day`);
  const at = sql.ref(`${name}_at`);
  const [opens, closes, before] = [calendar.opens, calendar.closes, calendar.before].map((values) => sql`(${values}::float8[])[${day}]`);
  return sql`(${before} + least(greatest(${at} - ${opens}, 0), ${closes} - ${opens}))`;
}

export interface CycleTimeWeek {
  /** The Monday the week starts, YYYY-MM-DD. */
  week: string;
  count: number;
  medianDays: number;
  p85Days: number;
  slowestDays: number;
}

export interface CycleTimes {
  count: number;
  medianDays: number;
  p85Days: number;
  /** At most `maxPoints` items, a sample of them all, in order of completion. */
  points: { at: number; workingDays: number }[];
  weeks: CycleTimeWeek[];
}

/** Dots drawn on the scatter: more add nothing a reader can see, and weigh down the page. */
export const maxPoints = 2000;

/**
 * How long each item completed in the period took, from its creation to its completion, in
 * working days on the shop's clock. The median and 85th percentile are of every item (SQL's
 * percentile_cont), in one pass over them; the dots are a sample of them.
 */
export async function cycleTimes(db: DbOrTx, workflow: Workflow, clock: BusinessClock, period: ChartPeriod): Promise<CycleTimes> {
  const completed = statusesOfKind(workflow, ['completed']);
  const empty: CycleTimes = { count: 0, medianDays: 0, p85Days: 0, points: [], weeks: [] };
  if (completed.length === 0) return empty;
  const { rows: found } = await sql<{ created: Date | null; count: number }>`
    select min(created_at) as created, count(*)::int as count from line_items where status = any(${completed}) and status_entered_at >= ${period.from}`.execute(db);
  const { created, count } = found[0]!;
  if (!created) return empty;
  const createdDate = DateTime.fromJSDate(created, { zone: period.timeZone }).toISODate()!;
  const calendar = workingCalendar(clock, createdDate < period.dates[0]! ? createdDate : period.dates[0]!, period.dates[period.days - 1]!);
  const weeks = weeksOf(period);
  // One item in `sampling` is drawn, chosen by a hash of its id: uniform, and the same dots on every
  // refresh, with no sort of the whole period (a few percent spare, so rarely more than the maximum).
  const sampling = Math.max(1, Math.ceil((count * 1.05) / maxPoints));
  const { rows } = await sql<{ week: number | null; count: number; p50: number; p85: number; slowest: number; points: [number, number][] | null }>`
    select week, count(*)::int as count,
           percentile_cont(0.5) within group (order by working) as p50,
           percentile_cont(0.85) within group (order by working) as p85,
           max(working) as slowest,
           json_agg(json_build_array(done_at * 1000, working) order by done_at) filter (where mod(hashint4(id)::bigint + 2147483648, ${sampling}) = 0) as points
      from (
        select id, done_at, week, greatest(0, ${workedUntil(calendar, 'done')} - ${workedUntil(calendar, 'created')}) as working
          from (
            select id, date_part('epoch', status_entered_at) as done_at, date_part('epoch', created_at) as created_at,
                   width_bucket(date_part('epoch', status_entered_at), ${calendar.starts}::float8[]) as done_day,
                   width_bucket(date_part('epoch', created_at), ${calendar.starts}::float8[]) as created_day,
                   width_bucket(date_part('epoch', status_entered_at), ${startsOf(clock, weeks)}::float8[]) as week
              from line_items
             where status = any(${completed}) and status_entered_at >= ${period.from}
            -- A fence: each lookup once per item, not again in every place the sum below uses it.
            offset 0
          ) placed
      ) timed
     group by grouping sets ((), (week))`.execute(db);
  const overall = rows.find((row) => row.week === null);
  if (!overall) return empty;
  const inDays = (seconds: number) => (seconds * 1000) / workingDayMs(clock);
  return {
    count: overall.count,
    medianDays: inDays(overall.p50),
    p85Days: inDays(overall.p85),
    points: evenly(overall.points ?? [], maxPoints).map(([at, seconds]) => ({ at, workingDays: inDays(seconds) })),
    weeks: rows
      .filter((row): row is typeof row & { week: number } => row.week !== null)
      .sort((a, b) => a.week - b.week)
      .map((row) => ({ week: weeks[row.week - 1]!, count: row.count, medianDays: inDays(row.p50), p85Days: inDays(row.p85), slowestDays: inDays(row.slowest) })),
  };
}

/** At most `max` of `items`, evenly spaced. */
function evenly<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  return Array.from({ length: max }, (_, index) => items[Math.floor((index * items.length) / max)]!);
}

export interface StatusFlow {
  key: string;
  label: string;
  kind: StatusKind;
  /** Items in the status at the end of each day of the period (today: now). */
  counts: number[];
}

/** Work in progress goes back at most this many days: each day is worked out from the moves since. */
export const maxFlowDays = 90;

/** The part of the period the work-in-progress chart covers: its last `maxFlowDays` days. */
export function flowPeriodOf(period: ChartPeriod): ChartPeriod {
  return period.days <= maxFlowDays ? period : periodEnding(period.until, maxFlowDays, period.timeZone);
}

/**
 * Items in each open or on-hold status at the end of each day, worked back from today's counts
 * through the period's history: a move into a status after a day's end means one fewer there
 * that day, a move out one more, and an item created after it was not there at all (it starts
 * where its first move leaves from). Items removed from their orders count as never made.
 */
export async function cumulativeFlow(db: DbOrTx, workflow: Workflow, clock: BusinessClock, period: ChartPeriod): Promise<StatusFlow[]> {
  const live = [...workflow.statuses.values()].filter((status) => status.kind === 'open' || status.kind === 'hold');
  if (live.length === 0) return [];
  const keys = live.map((status) => status.key);
  const [now, changes] = await Promise.all([
    sql<{ status: string; count: number }>`select status, count(*)::int as count from line_items where status = any(${keys}) group by status`.execute(db),
    // An item moved or created in the period has entered its status since, so the (status,
    // status_entered_at) index finds every item that counts (removed ones are not among them).
    // The events table has no index on occurred_at: with years of history, reading it is most of the cost.
    sql<{ day: number; from_status: string | null; to_status: string; count: number }>`
      with recent as materialized (
        select id, status, created_at from line_items where status = any(${[...workflow.statuses.keys()]}) and status_entered_at >= ${period.from}
      ),
      moves as materialized (
        select e.id, e.subject_id, e.occurred_at, e.from_status, e.to_status
          from recent r join events e on e.subject_type = 'line_item' and e.subject_id = r.id
         where e.occurred_at >= ${period.from} and e.to_status is not null and e.from_status is distinct from e.to_status
      ),
      created as (
        select id, status, created_at from recent where created_at >= ${period.from}
      ),
      -- An item's moves are recorded in order: its first is the one with the lowest id.
      first_moves as (
        select m.subject_id, m.from_status
          from moves m join (select subject_id, min(id) as id from moves group by subject_id) f on f.id = m.id
      ),
      changes (at, from_status, to_status) as (
        select occurred_at, from_status, to_status from moves
        union all
        select c.created_at, null, coalesce(f.from_status, c.status) from created c left join first_moves f on f.subject_id = c.id
      )
      select width_bucket(date_part('epoch', at), ${startsOf(clock, [...period.dates, addDays(period.dates[period.days - 1]!, 1)])}::float8[]) as day,
             from_status, to_status, count(*)::int as count
        from changes
       group by 1, 2, 3`.execute(db),
  ]);
  const net = new Map(keys.map((key) => [key, new Array<number>(period.days).fill(0)]));
  for (const change of changes.rows) {
    // Day 1 is the period's first; after its last day (a clock ahead of this one's) counts as today.
    const index = Math.min(change.day, period.days) - 1;
    if (index < 0) continue;
    const into = net.get(change.to_status);
    const outOf = change.from_status === null ? undefined : net.get(change.from_status);
    if (into) into[index] = into[index]! + change.count;
    if (outOf) outOf[index] = outOf[index]! - change.count;
  }
  const flows = live.map((status) => {
    const changed = net.get(status.key)!;
    const counts = new Array<number>(period.days).fill(0);
    let count = now.rows.find((row) => row.status === status.key)?.count ?? 0;
    for (let index = period.days - 1; index >= 0; index -= 1) {
      counts[index] = Math.max(0, count);
      count -= changed[index]!;
    }
    return { key: status.key, label: status.label, kind: status.kind, counts };
  });
  // A status outside every queue (items waiting for their order's approval) is drawn only when it held any.
  return flows.filter((flow) => workflow.statuses.get(flow.key)!.queueKey !== null || flow.counts.some((count) => count > 0));
}

export interface WeekOnTime {
  /** The Monday the week starts, YYYY-MM-DD. */
  week: string;
  /** Items completed that week that had a due date. */
  completed: number;
  /** Of those, completed by the end of their due date (in the shop's time zone). */
  onTime: number;
}

/** Every week the period touches, Mondays first; the first and last may be partly outside it. */
export function weeksOf(period: ChartPeriod): string[] {
  const weeks = new Set(period.dates.map((date) => DateTime.fromISO(date, { zone: 'utc' }).startOf('week').toISODate()!));
  return [...weeks];
}

/** Per week, of the items completed with a due date, how many were completed by the end of it. */
export async function onTimeByWeek(db: DbOrTx, workflow: Workflow, clock: BusinessClock, period: ChartPeriod): Promise<WeekOnTime[]> {
  const completed = statusesOfKind(workflow, ['completed']);
  const weeks = weeksOf(period);
  const byWeek = weeks.map((week) => ({ week, completed: 0, onTime: 0 }));
  if (completed.length === 0) return byWeek;
  const days = [...period.dates, addDays(period.dates[period.days - 1]!, 1)];
  const { rows } = await sql<{ week: number; completed: number; on_time: number }>`
    with done as (
      select due_date, date_part('epoch', status_entered_at) as done_at
        from line_items
       where status = any(${completed}) and status_entered_at >= ${period.from} and due_date is not null
    )
    select width_bucket(done_at, ${startsOf(clock, weeks)}::float8[]) as week,
           count(*)::int as completed,
           -- On time: completed on a day (in the shop's time zone) no later than the due date.
           (count(*) filter (where (${days}::date[])[width_bucket(done_at, ${startsOf(clock, days)}::float8[])] <= due_date))::int as on_time
      from done
     group by 1`.execute(db);
  for (const row of rows) {
    const week = byWeek[row.week - 1];
    if (week) Object.assign(week, { completed: row.completed, onTime: row.on_time });
  }
  return byWeek;
}

export interface MachineThroughput {
  machineId: number | null;
  /** The machine's name; null for items with no machine. */
  name: string | null;
  completed: number;
}

/** Items completed in the period per machine, most first; items with no machine as one row. */
export async function throughputByMachine(db: DbOrTx, workflow: Workflow, period: ChartPeriod): Promise<MachineThroughput[]> {
  const completed = statusesOfKind(workflow, ['completed']);
  if (completed.length === 0) return [];
  const { rows } = await sql<{ machine_id: number | null; name: string | null; completed: number }>`
    select li.machine_id, m.name, count(*)::int as completed
      from line_items li left join machines m on m.id = li.machine_id
     where li.status = any(${completed}) and li.status_entered_at >= ${period.from}
     group by li.machine_id, m.name
     order by completed desc, m.name nulls last`.execute(db);
  return rows.map((row) => ({ machineId: row.machine_id, name: row.name, completed: row.completed }));
}
