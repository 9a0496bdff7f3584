import type { WaitsOn } from '../db/types.js';
import type { BusinessClock } from './business-time.js';

/** A status change as `events` records it. */
export interface StatusMove {
  fromStatus: string | null;
  toStatus: string | null;
  occurredAt: Date;
}

/** One visit to a status: from entering it until leaving it (or now). */
export interface Stay {
  status: string;
  since: Date;
  until: Date | null;
}

/** What a status needs to have its time judged. */
export interface TimedStatus {
  key: string;
  label: string;
  kind: string;
  waitsOn: WaitsOn;
  expectedMinutes: number | null;
  expectedUnit: 'hours' | 'days';
}

export type Pace = 'on-time' | 'warning' | 'late';
/** Share of the expected time at which a stay is flagged: a warning at 80 %, late at 100 %. */
export const warningShare = 0.8;

export interface StatusTime {
  status: string;
  label: string;
  /** How many times the subject entered the status. */
  entries: number;
  /** Clock time across every visit. */
  elapsedMs: number;
  /** Working time across every visit, on the shop calendar. */
  workingMs: number;
  /** Time here counts against the shop (it waits on the shop, not the customer or a supplier). */
  counted: boolean;
  waitsOn: WaitsOn;
  expectedMs: number | null;
  /** Against the expected time, for a counted status with one; finished statuses have none. */
  pace: Pace | null;
  current: boolean;
}

/**
 * The visits, oldest first, from the subject's moves (oldest first). Before the first move it was
 * in that move's "from" status since it was created; the last visit is in `currentStatus`, which
 * wins over the events should they disagree.
 */
export function staysOf(createdAt: Date, currentStatus: string, moves: readonly StatusMove[]): Stay[] {
  const changes = moves.filter((move) => move.toStatus !== null && move.fromStatus !== move.toStatus);
  const stays: Stay[] = [];
  let status = changes[0]?.fromStatus ?? currentStatus;
  let since = createdAt;
  for (const move of changes) {
    stays.push({ status, since, until: move.occurredAt });
    status = move.toStatus!;
    since = move.occurredAt;
  }
  stays.push({ status: currentStatus, since, until: null });
  return stays;
}

/**
 * Expected time in working milliseconds. Given in days (stored as 1,440 minutes a day), it is
 * the shop's working days however long those are: "1.5 days" is a day and a half of work; in
 * hours, working hours.
 */
export function expectedWorkingMs(status: Pick<TimedStatus, 'expectedMinutes' | 'expectedUnit'>, clock: BusinessClock): number | null {
  const { expectedMinutes, expectedUnit } = status;
  if (expectedMinutes === null || expectedMinutes <= 0) return null;
  const { dayStartMinute, dayEndMinute } = clock.calendar;
  if (expectedUnit === 'days') return Math.round((expectedMinutes / 1440) * Math.max(0, dayEndMinute - dayStartMinute) * 60_000);
  return expectedMinutes * 60_000;
}

export function paceOf(workingMs: number, expectedMs: number | null): Pace | null {
  if (expectedMs === null) return null;
  if (workingMs >= expectedMs) return 'late';
  if (workingMs >= expectedMs * warningShare) return 'warning';
  return 'on-time';
}

/**
 * Time per status across re-entries, in the order the statuses were first entered: a status
 * left and entered again keeps counting where it stopped, it does not start from zero.
 * Finished statuses (completed, cancelled) are left out: their time never ends.
 */
export function timePerStatus(stays: readonly Stay[], statuses: ReadonlyMap<string, TimedStatus>, clock: BusinessClock, now: Date): StatusTime[] {
  const byStatus = new Map<string, StatusTime>();
  const current = stays[stays.length - 1]?.status;
  for (const stay of stays) {
    const status = statuses.get(stay.status);
    if (status && (status.kind === 'completed' || status.kind === 'cancelled')) continue;
    const until = stay.until ?? now;
    let time = byStatus.get(stay.status);
    if (!time) {
      const counted = (status?.waitsOn ?? 'shop') === 'shop';
      time = {
        status: stay.status,
        label: status?.label ?? stay.status,
        entries: 0,
        elapsedMs: 0,
        workingMs: 0,
        counted,
        waitsOn: status?.waitsOn ?? 'shop',
        expectedMs: counted && status?.kind === 'open' ? expectedWorkingMs(status, clock) : null,
        pace: null,
        current: false,
      };
      byStatus.set(stay.status, time);
    }
    time.entries += 1;
    time.elapsedMs += Math.max(0, until.getTime() - stay.since.getTime());
    time.workingMs += clock.between(stay.since, until);
  }
  for (const time of byStatus.values()) {
    time.current = time.status === current;
    time.pace = paceOf(time.workingMs, time.expectedMs);
  }
  return [...byStatus.values()];
}
