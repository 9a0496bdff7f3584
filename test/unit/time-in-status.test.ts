import t from 'tap';
import { BusinessClock } from '../../src/monitoring/business-time.js';
import { expectedWorkingMs, paceOf, staysOf, timePerStatus, type TimedStatus } from '../../src/monitoring/time-in-status.js';

const hour = 3_600_000;
const clock = new BusinessClock({ timeZone: 'UTC', workDays: [1, 2, 3, 4, 5], dayStartMinute: 480, dayEndMinute: 1020, holidays: new Set() });
const at = (iso: string) => new Date(iso);
const status = (key: string, fields: Partial<TimedStatus> = {}): [string, TimedStatus] => [key, { key, label: key.toUpperCase(), kind: 'open', waitsOn: 'shop', expectedMinutes: null, expectedUnit: 'hours', ...fields }];
const statuses = new Map([
  status('pending', { expectedMinutes: 1440, expectedUnit: 'days' }),
  status('wip', { expectedMinutes: 240 }),
  status('proof', { waitsOn: 'customer', expectedMinutes: 1440, expectedUnit: 'days' }),
  status('hold', { kind: 'hold' }),
  status('done', { kind: 'completed' }),
]);

t.test('visits come from the moves, oldest first; the current status wins', async (t) => {
  const moves = [
    { fromStatus: 'pending', toStatus: 'wip', occurredAt: at('2026-11-23T10:00Z') },
    { fromStatus: null, toStatus: null, occurredAt: at('2026-11-23T10:30Z') },
    { fromStatus: 'wip', toStatus: 'pending', occurredAt: at('2026-11-23T11:00Z') },
  ];
  t.same(staysOf(at('2026-11-23T09:00Z'), 'pending', moves), [
    { status: 'pending', since: at('2026-11-23T09:00Z'), until: at('2026-11-23T10:00Z') },
    { status: 'wip', since: at('2026-11-23T10:00Z'), until: at('2026-11-23T11:00Z') },
    { status: 'pending', since: at('2026-11-23T11:00Z'), until: null },
  ]);
  t.same(staysOf(at('2026-11-23T09:00Z'), 'pending', []), [{ status: 'pending', since: at('2026-11-23T09:00Z'), until: null }], 'never moved');
});

t.test('time per status adds up every visit and counts them', async (t) => {
  // Pending 9:00–10:00, work 10:00–12:00, back to pending 12:00–13:00, work again 13:00–16:00 (now).
  const stays = staysOf(at('2026-11-23T09:00Z'), 'wip', [
    { fromStatus: 'pending', toStatus: 'wip', occurredAt: at('2026-11-23T10:00Z') },
    { fromStatus: 'wip', toStatus: 'pending', occurredAt: at('2026-11-23T12:00Z') },
    { fromStatus: 'pending', toStatus: 'wip', occurredAt: at('2026-11-23T13:00Z') },
  ]);
  const times = timePerStatus(stays, statuses, clock, at('2026-11-23T16:00Z'));
  t.same(
    times.map(({ status, entries, workingMs, current, pace }) => ({ status, entries, workingMs, current, pace })),
    [
      { status: 'pending', entries: 2, workingMs: 2 * hour, current: false, pace: 'on-time' },
      { status: 'wip', entries: 2, workingMs: 5 * hour, current: true, pace: 'late' },
    ],
    'the second visit to work continues from two hours: five of four expected is late',
  );
});

t.test('waiting on the customer does not count against the shop; finished statuses are left out', async (t) => {
  const stays = staysOf(at('2026-11-20T16:00Z'), 'done', [
    { fromStatus: 'pending', toStatus: 'proof', occurredAt: at('2026-11-20T17:00Z') },
    { fromStatus: 'proof', toStatus: 'done', occurredAt: at('2026-11-25T09:00Z') },
  ]);
  const times = timePerStatus(stays, statuses, clock, at('2026-11-26T09:00Z'));
  t.same(times.map((time) => time.status), ['pending', 'proof']);
  const proof = times[1]!;
  t.equal(proof.counted, false);
  t.equal(proof.pace, null, 'no lateness while it waits on the customer');
  t.equal(proof.elapsedMs, (4 * 24 + 16) * hour, 'its clock time is still shown');
  t.equal(proof.workingMs, 2 * 9 * hour + hour, 'Monday and Tuesday, and Wednesday 8:00 to 9:00 (the weekend does not count)');
});

t.test('expected time: whole days are the shop’s working days; warning at 80 %', async (t) => {
  t.equal(expectedWorkingMs({ expectedMinutes: 2880, expectedUnit: 'days' }, clock), 2 * 9 * hour, 'two days of a nine-hour shop');
  t.equal(expectedWorkingMs({ expectedMinutes: 2160, expectedUnit: 'days' }, clock), 1.5 * 9 * hour, 'a day and a half is less than two days');
  t.equal(expectedWorkingMs({ expectedMinutes: 1440, expectedUnit: 'hours' }, clock), 24 * hour, '24 hours given in hours stay 24 working hours');
  t.equal(expectedWorkingMs({ expectedMinutes: 90, expectedUnit: 'hours' }, clock), 1.5 * hour);
  t.equal(expectedWorkingMs({ expectedMinutes: null, expectedUnit: 'hours' }, clock), null);
  t.equal(paceOf(79, 100), 'on-time');
  t.equal(paceOf(80, 100), 'warning');
  t.equal(paceOf(100, 100), 'late');
  t.equal(paceOf(5, null), null);
});
