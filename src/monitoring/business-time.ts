import { DateTime } from 'luxon';

/** When the shop works: the clock that expected durations, lateness and ETAs run on. */
export interface ShopCalendar {
  timeZone: string;
  /** ISO weekdays the shop works: 1 is Monday, 7 is Sunday. */
  workDays: readonly number[];
  /** Minutes after local midnight the working day starts and ends (480 and 1020: 8:00 to 17:00). */
  dayStartMinute: number;
  dayEndMinute: number;
  /** Local dates (2026-12-25) the shop is closed. */
  holidays: ReadonlySet<string>;
}

const minuteMs = 60_000;
/** Days computed around the instants asked about, beyond the range already known. */
const marginDays = 400;

/** The last index whose value is at most `value`, in ascending `values` (0 when none is). */
function lastAtOrBelow(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (values[middle]! <= value) low = middle;
    else high = middle - 1;
  }
  return low;
}

function wallClock(day: DateTime, minuteOfDay: number): number {
  if (minuteOfDay >= 1440) return day.plus({ days: 1 }).startOf('day').toMillis();
  // Setting the wall-clock time (not adding minutes to midnight) keeps 8:00 at 8:00 on the days
  // clocks change; a time that does not exist that day moves forward with the clocks.
  return day.set({ hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60 }).toMillis();
}

/**
 * Business time on a shop calendar. Every local day gets its opening and closing instant and
 * the working time of all the days before it, so the working time up to any instant is one
 * binary search, and the time between two instants is a subtraction: exports of a million items
 * stay cheap, and days when clocks change are right because each day is placed by its own zone
 * offset.
 */
export class BusinessClock {
  private dayStarts: number[] = [];
  private opens: number[] = [];
  private closes: number[] = [];
  /** Working milliseconds of all the days before each day (from the first one known). */
  private before: number[] = [];
  private firstDay: DateTime | undefined;
  private lastDay: DateTime | undefined;
  /** The instants the known days span, for the quick check before any zone arithmetic. */
  private coveredFrom = Number.POSITIVE_INFINITY;
  private coveredUntil = Number.NEGATIVE_INFINITY;

  constructor(readonly calendar: ShopCalendar) {
    if (!DateTime.local().setZone(calendar.timeZone).isValid) throw new Error(`Unknown time zone ${calendar.timeZone}.`);
  }

  /** Whether the shop works at all (some day of the week, for some minutes). */
  get works(): boolean {
    return this.calendar.workDays.length > 0 && this.calendar.dayEndMinute > this.calendar.dayStartMinute;
  }

  /** Working milliseconds between two instants (0 when `to` is not after `from`). */
  between(from: Date | number, to: Date | number): number {
    const start = +from;
    const end = +to;
    if (!(end > start)) return 0;
    this.cover(start);
    this.cover(end);
    return this.elapsed(end) - this.elapsed(start);
  }

  /** Working minutes between two instants, rounded down. */
  minutesBetween(from: Date | number, to: Date | number): number {
    return Math.floor(this.between(from, to) / minuteMs);
  }

  /** The instant `ms` working milliseconds after `from` (the end of that working time). */
  add(from: Date | number, ms: number): Date {
    const start = +from;
    if (ms <= 0 || !this.works) return new Date(start);
    this.cover(start);
    // Extending forward keeps the first day, so `target` stays measured from the same start.
    const target = this.elapsed(start) + ms;
    for (;;) {
      const index = this.firstDayEndingAtOrAfter(target);
      if (index !== undefined) return new Date(this.opens[index]! + (target - this.before[index]!));
      this.cover(this.dayStarts[this.dayStarts.length - 1]! + 86_400_000 * marginDays);
    }
  }

  /**
   * The latest instant `ms` working milliseconds before `to`: anything that started at or
   * before it has had at least that much working time by `to` (lateness thresholds in SQL).
   */
  subtract(to: Date | number, ms: number): Date {
    const end = +to;
    if (ms <= 0 || !this.works) return new Date(end);
    this.cover(end);
    for (;;) {
      const target = this.elapsed(end) - ms;
      if (target >= 0) {
        const day = lastAtOrBelow(this.before, target);
        return new Date(this.opens[day]! + (target - this.before[day]!));
      }
      // Further back than the days known: know more (the offsets move, so measure again).
      this.cover(this.dayStarts[0]! - 86_400_000 * marginDays);
    }
  }

  /** Working milliseconds from the first known day to `instant`, which must be covered. */
  private elapsed(instant: number): number {
    const low = lastAtOrBelow(this.dayStarts, instant);
    const open = this.opens[low]!;
    const close = this.closes[low]!;
    return this.before[low]! + Math.min(Math.max(instant - open, 0), close - open);
  }

  private firstDayEndingAtOrAfter(target: number): number | undefined {
    let low = 0;
    let high = this.dayStarts.length - 1;
    const endOf = (index: number) => this.before[index]! + this.closes[index]! - this.opens[index]!;
    if (endOf(high) < target) return undefined;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (endOf(middle) >= target) high = middle;
      else low = middle + 1;
    }
    // A day with no working time ends where the one before it did: move on to one that works.
    while (this.closes[low] === this.opens[low]) low += 1;
    return low;
  }

  /** Makes sure the days around `instant` are known, rebuilding with a margin when they are not. */
  private cover(instant: number): void {
    if (instant >= this.coveredFrom && instant < this.coveredUntil) return;
    const zone = this.calendar.timeZone;
    const day = DateTime.fromMillis(instant, { zone }).startOf('day');
    if (this.firstDay && this.lastDay && day >= this.firstDay && day < this.lastDay) return;
    const first = this.firstDay && this.firstDay < day ? this.firstDay : day.minus({ days: marginDays });
    const last = this.lastDay && this.lastDay > day ? this.lastDay : day.plus({ days: marginDays });
    this.build(first, last);
  }

  private build(first: DateTime, last: DateTime): void {
    const { workDays, dayStartMinute, dayEndMinute, holidays } = this.calendar;
    this.dayStarts = [];
    this.opens = [];
    this.closes = [];
    this.before = [];
    let worked = 0;
    for (let day = first; day < last; day = day.plus({ days: 1 })) {
      const starts = day.toMillis();
      const working = workDays.includes(day.weekday) && !holidays.has(day.toISODate()!) && dayEndMinute > dayStartMinute;
      const open = working ? wallClock(day, dayStartMinute) : starts;
      const close = working ? Math.max(open, wallClock(day, dayEndMinute)) : starts;
      this.dayStarts.push(starts);
      this.opens.push(open);
      this.closes.push(close);
      this.before.push(worked);
      worked += close - open;
    }
    this.firstDay = first;
    this.lastDay = last;
    this.coveredFrom = first.toMillis();
    // The last known day is complete: the instant it ends is the next day's start.
    this.coveredUntil = last.toMillis();
  }
}
