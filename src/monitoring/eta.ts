import { DateTime } from 'luxon';
import type { TransitionIntent } from '../db/types.js';
import type { Status, Workflow } from '../workflow/definition.js';
import type { BusinessClock } from './business-time.js';
import type { DurationLookup, DurationScope } from './durations.js';
import { expectedWorkingMs } from './time-in-status.js';

/** Moves that carry work forward, the way an item normally goes. */
const forwardIntents: readonly TransitionIntent[] = ['start', 'advance', 'built', 'complete', 'approve'];

/**
 * The open statuses still ahead of `from` on the shortest forward way to a completed status.
 * Where the way branches on the item (BUILT to one of four queues), a status for another
 * fulfillment method is not taken.
 */
export function statusesAhead(workflow: Workflow, from: string, fulfillmentMethod: string | null): Status[] {
  const fits = (status: Status) => status.fulfillmentMethod === null || fulfillmentMethod === null || status.fulfillmentMethod === fulfillmentMethod;
  const cameFrom = new Map<string, string>([[from, from]]);
  const queue = [from];
  while (queue.length > 0) {
    const key = queue.shift()!;
    const status = workflow.statuses.get(key);
    if (status && status.kind === 'completed' && key !== from) {
      const way: Status[] = [];
      for (let step = cameFrom.get(key)!; step !== from; step = cameFrom.get(step)!) way.unshift(workflow.statuses.get(step)!);
      return way;
    }
    for (const transition of workflow.transitions) {
      if (transition.from !== key || !forwardIntents.includes(transition.intent) || cameFrom.has(transition.to)) continue;
      const next = workflow.statuses.get(transition.to);
      if (!next || !fits(next) || next.kind === 'cancelled' || next.kind === 'hold') continue;
      cameFrom.set(transition.to, key);
      queue.push(transition.to);
    }
  }
  return [];
}

export interface Forecast {
  /** Finished by then at the median pace of recent items (or the expected times). */
  likely: Date;
  /** Finished by then at the 85th percentile. */
  latest: Date;
  /** History, where enough recent items were measured; otherwise the expected times. */
  basis: 'history' | 'expected' | 'both';
  /** The likely date is after the end of the due date (null without a due date). */
  missesDue: boolean | null;
}

export interface ForecastItem extends DurationScope {
  status: string;
  fulfillmentMethod: string | null;
  dueDate: string | null;
}

/** When the due date ends in the shop's time zone. */
export function endOfDueDate(dueDate: string, timeZone: string): Date {
  return DateTime.fromISO(dueDate, { zone: timeZone }).endOf('day').toJSDate();
}

/**
 * When items in an open status are likely to be finished: the rest of the current status plus
 * every status ahead, each from recent items like it (median and 85th percentile) when there
 * are enough, else from the status's expected time; counted forward on the shop's clock from
 * `now`. Undefined for items that are finished, on hold, or with nothing ahead to measure.
 * The way ahead is worked out once per status and fulfillment method, for pages of many items.
 */
export function forecaster(workflow: Workflow, clock: BusinessClock, now: Date, history: DurationLookup) {
  const ways = new Map<string, Status[]>();
  const dueEnds = new Map<string, Date>();
  const endOfDue = (dueDate: string) => {
    let end = dueEnds.get(dueDate);
    if (!end) dueEnds.set(dueDate, (end = endOfDueDate(dueDate, clock.calendar.timeZone)));
    return end;
  };
  return (item: ForecastItem, workingMsInCurrent: number): Forecast | undefined => {
    const current = workflow.statuses.get(item.status);
    if (!current || current.kind !== 'open' || !clock.works) return undefined;
    const wayKey = `${item.status}|${item.fulfillmentMethod ?? ''}`;
    let way = ways.get(wayKey);
    if (!way) ways.set(wayKey, (way = [current, ...statusesAhead(workflow, item.status, item.fulfillmentMethod)]));
    let likelyMs = 0;
    let latestMs = 0;
    const bases = new Set<'history' | 'expected'>();
    for (const [index, status] of way.entries()) {
      const measured = history(status.key, item);
      const expected = expectedWorkingMs(status, clock);
      const [likely, latest] = measured ? [measured.p50Ms, measured.p85Ms] : expected !== null ? [expected, expected] : [0, 0];
      if (measured) bases.add('history');
      else if (expected !== null) bases.add('expected');
      const spent = index === 0 ? workingMsInCurrent : 0;
      likelyMs += Math.max(0, likely - spent);
      latestMs += Math.max(0, latest - spent);
    }
    if (bases.size === 0) return undefined;
    const likely = clock.add(now, likelyMs);
    return {
      likely,
      latest: clock.add(now, Math.max(latestMs, likelyMs)),
      basis: bases.size === 2 ? 'both' : bases.has('history') ? 'history' : 'expected',
      missesDue: item.dueDate ? likely > endOfDue(item.dueDate) : null,
    };
  };
}

/** One item's forecast (see forecaster). */
export function forecastOf(workflow: Workflow, item: ForecastItem, workingMsInCurrent: number, clock: BusinessClock, now: Date, history: DurationLookup): Forecast | undefined {
  return forecaster(workflow, clock, now, history)(item, workingMsInCurrent);
}
