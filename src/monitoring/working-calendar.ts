import { DateTime } from 'luxon';
import type { BusinessClock } from './business-time.js';

/*
 * The shop's calendar as arrays for SQL, so the database can work out working time itself: the
 * charts over many thousands of items, and the CSV report PostgreSQL writes on its own.
 */

/** A day of the shop's calendar, epoch milliseconds: when it starts, and when its work opens and closes. */
export interface ShopDay {
  start: number;
  opens: number;
  closes: number;
}

// Days already worked out, per clock (a saved calendar makes a new clock): a year's page needs
// hundreds, at some 50 µs of time-zone arithmetic each.
const knownDays = new WeakMap<BusinessClock, Map<string, ShopDay>>();

/** YYYY-MM-DD `count` days after `date` (calendar days have no time zone). */
export function addDays(date: string, count: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + count * 86_400_000).toISOString().slice(0, 10);
}

export function shopDay(clock: BusinessClock, date: string): ShopDay {
  let days = knownDays.get(clock);
  if (!days) knownDays.set(clock, (days = new Map()));
  let day = days.get(date);
  if (!day) {
    const zone = clock.calendar.timeZone;
    const start = DateTime.fromISO(date, { zone }).toMillis();
    const length = clock.between(start, DateTime.fromISO(addDays(date, 1), { zone }).toMillis());
    // A working day is one stretch, so it opens where its first working millisecond ends.
    const opens = length > 0 ? clock.add(start, 1).getTime() - 1 : start;
    day = { start, opens, closes: opens + length };
    days.set(date, day);
  }
  return day;
}

/** When each of `dates` starts, in epoch seconds: SQL's width_bucket finds an instant's day in them. */
export function startsOf(clock: BusinessClock, dates: readonly string[]): number[] {
  return dates.map((date) => shopDay(clock, date).start / 1000);
}

export interface WorkingCalendar {
  starts: number[];
  opens: number[];
  closes: number[];
  before: number[];
}

/**
 * The shop's calendar from `first` to `last` (YYYY-MM-DD) as arrays for SQL, in epoch seconds:
 * each day's start (and the next day's, to close the last), when its work opens and closes, and
 * the working time of the days before it. Working time from one instant to another is then a
 * lookup of each instant's day and a subtraction, the sum BusinessClock.between makes.
 */
export function workingCalendar(clock: BusinessClock, first: string, last: string): WorkingCalendar {
  const calendar: WorkingCalendar = { starts: [], opens: [], closes: [], before: [] };
  let worked = 0;
  for (let date = first; date <= last; date = addDays(date, 1)) {
    const day = shopDay(clock, date);
    calendar.starts.push(day.start / 1000);
    calendar.opens.push(day.opens / 1000);
    calendar.closes.push(day.closes / 1000);
    calendar.before.push(worked);
    worked += (day.closes - day.opens) / 1000;
  }
  calendar.starts.push(shopDay(clock, addDays(last, 1)).start / 1000);
  return calendar;
}

