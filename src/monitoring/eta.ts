import { DateTime } from 'luxon';
import type { TransitionIntent } from '../db/types.js';
import type { Status, Workflow } from '../workflow/definition.js';
import type { BusinessClock } from './business-time.js';
import type { DurationLookup, DurationScope } from './durations.js';
import { expectedWorkingMs } from './time-in-status.js';
import { shopDay } from './working-calendar.js';

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
  /** Its planned end (src/planning) holds it back: it is not BUILT before the plan says. */
  planned: boolean;
}

export interface ForecastItem extends DurationScope {
  status: string;
  fulfillmentMethod: string | null;
  dueDate: string | null;
  /** The last day the plan gives it to be made (BUILT), if it is planned. */
  plannedEnd?: string | null;
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
    // Until BUILT (the first status with a fulfillment method) and after it: a plan holds back the first part.
    const builtAt = way.findIndex((status) => status.fulfillmentMethod !== null);
    const parts = { before: { likely: 0, latest: 0 }, after: { likely: 0, latest: 0 } };
    const bases = new Set<'history' | 'expected'>();
    for (const [index, status] of way.entries()) {
      const measured = history(status.key, item);
      const expected = expectedWorkingMs(status, clock);
      const [likely, latest] = measured ? [measured.p50Ms, measured.p85Ms] : expected !== null ? [expected, expected] : [0, 0];
      if (measured) bases.add('history');
      else if (expected !== null) bases.add('expected');
      const spent = index === 0 ? workingMsInCurrent : 0;
      const part = builtAt > 0 && index < builtAt ? parts.before : parts.after;
      part.likely += Math.max(0, likely - spent);
      part.latest += Math.max(0, latest - spent);
    }
    const planEnd = item.plannedEnd && builtAt > 0 ? shopDay(clock, item.plannedEnd) : undefined;
    if (bases.size === 0 && !planEnd) return undefined;
    const built = (ms: number) => {
      const byPace = clock.add(now, ms).getTime();
      return planEnd && planEnd.closes > byPace ? planEnd.closes : byPace;
    };
    const likelyBuilt = built(parts.before.likely);
    const likely = clock.add(likelyBuilt, parts.after.likely);
    const latest = clock.add(built(Math.max(parts.before.latest, parts.before.likely)), Math.max(parts.after.latest, parts.after.likely));
    return {
      likely,
      latest: latest < likely ? likely : latest,
      basis: bases.size === 2 ? 'both' : bases.has('history') ? 'history' : 'expected',
      missesDue: item.dueDate ? likely > endOfDue(item.dueDate) : null,
      planned: planEnd !== undefined && likelyBuilt === planEnd.closes,
    };
  };
}

/** One item's forecast (see forecaster). */
export function forecastOf(workflow: Workflow, item: ForecastItem, workingMsInCurrent: number, clock: BusinessClock, now: Date, history: DurationLookup): Forecast | undefined {
  return forecaster(workflow, clock, now, history)(item, workingMsInCurrent);
}
