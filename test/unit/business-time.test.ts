import t from 'tap';
import { BusinessClock, type ShopCalendar } from '../../src/monitoring/business-time.js';
import { workingDuration } from '../../src/platform/format.js';

const hour = 3_600_000;
const weekdays: ShopCalendar = { timeZone: 'UTC', workDays: [1, 2, 3, 4, 5], dayStartMinute: 8 * 60, dayEndMinute: 17 * 60, holidays: new Set() };
const at = (iso: string) => new Date(iso);

t.test('working hours on working days only', async (t) => {
  const clock = new BusinessClock(weekdays);
  t.equal(clock.between(at('2026-11-23T09:00Z'), at('2026-11-23T11:30Z')), 2.5 * hour, 'inside one day');
  t.equal(clock.between(at('2026-11-23T06:00Z'), at('2026-11-23T20:00Z')), 9 * hour, 'a whole day counts its opening hours only');
  t.equal(clock.between(at('2026-11-27T16:00Z'), at('2026-11-30T09:00Z')), 2 * hour, 'Friday 16:00 to Monday 9:00: the weekend does not count');
  t.equal(clock.between(at('2026-11-28T10:00Z'), at('2026-11-29T10:00Z')), 0, 'a weekend alone is no time');
  t.equal(clock.between(at('2026-11-30T10:00Z'), at('2026-11-30T09:00Z')), 0, 'backwards is no time');
  t.equal(clock.minutesBetween(at('2026-11-23T08:00Z'), at('2026-11-23T08:00:59Z')), 0, 'minutes round down');
});

t.test('holidays are days off', async (t) => {
  const clock = new BusinessClock({ ...weekdays, holidays: new Set(['2026-12-25']) });
  t.equal(clock.between(at('2026-12-24T16:00Z'), at('2026-12-28T09:00Z')), 2 * hour, 'Thursday 16:00 to Monday 9:00 over a Friday holiday');
  t.same(clock.add(at('2026-12-24T16:30Z'), hour), at('2026-12-28T08:30Z'), 'adding skips the holiday and the weekend');
});

t.test('adding working time', async (t) => {
  const clock = new BusinessClock(weekdays);
  t.same(clock.add(at('2026-11-23T09:00Z'), 3 * hour), at('2026-11-23T12:00Z'));
  t.same(clock.add(at('2026-11-27T16:30Z'), hour), at('2026-11-30T08:30Z'), 'Friday 16:30 plus an hour is Monday 8:30');
  t.same(clock.add(at('2026-11-28T12:00Z'), 30 * 60_000), at('2026-11-30T08:30Z'), 'from a weekend, work starts Monday');
  t.same(clock.add(at('2026-11-23T09:00Z'), 8 * hour), at('2026-11-23T17:00Z'), 'ending exactly at closing');
  t.same(clock.add(at('2026-11-23T09:00Z'), 0), at('2026-11-23T09:00Z'));
  t.same(clock.add(at('2026-11-23T09:00Z'), 45 * 9 * hour), at('2027-01-25T09:00Z'), '45 working days are nine weeks');
  const far = clock.add(at('2026-11-23T08:00Z'), 260 * 9 * hour);
  t.same(far, at('2027-11-19T17:00Z'), '260 working days from a Monday morning end on a Friday evening a year later');
  t.equal(clock.between(at('2026-11-23T08:00Z'), far), 260 * 9 * hour, 'a year of working days ahead, and back again');
});

t.test('subtracting working time gives the latest start that has had that much by then', async (t) => {
  const clock = new BusinessClock(weekdays);
  t.same(clock.subtract(at('2026-11-23T12:00Z'), 3 * hour), at('2026-11-23T09:00Z'));
  t.same(clock.subtract(at('2026-11-30T09:00Z'), 2 * hour), at('2026-11-27T16:00Z'), 'Monday 9:00 minus two hours is Friday 16:00');
  t.same(clock.subtract(at('2026-11-30T08:00Z'), 9 * hour), at('2026-11-27T08:00Z'), 'a whole working day back from Monday’s opening');
  t.same(clock.subtract(at('2026-11-27T17:00Z'), 9 * hour), at('2026-11-27T08:00Z'));
  const longAgo = clock.subtract(at('2026-11-23T08:00Z'), 600 * 9 * hour);
  t.equal(clock.between(longAgo, at('2026-11-23T08:00Z')), 600 * 9 * hour, 'back past the days known: they are added');
  for (const probe of [at('2026-11-24T13:17Z'), at('2026-11-29T03:00Z')]) {
    const start = clock.subtract(probe, 5 * hour);
    t.equal(clock.between(start, probe), 5 * hour, `between undoes subtract at ${probe.toISOString()}`);
  }
});

t.test('hours are the shop’s local hours, right on the days clocks change', async (t) => {
  // A shop open 1:00 to 4:00 every day in New York: on 8 March 2026 clocks jump from 2:00 to 3:00.
  const night: ShopCalendar = { timeZone: 'America/New_York', workDays: [1, 2, 3, 4, 5, 6, 7], dayStartMinute: 60, dayEndMinute: 240, holidays: new Set() };
  const clock = new BusinessClock(night);
  t.equal(clock.between(at('2026-03-08T05:00Z'), at('2026-03-08T09:00Z')), 2 * hour, 'spring forward: 1:00 to 4:00 is two hours');
  t.equal(clock.between(at('2026-03-07T06:00Z'), at('2026-03-07T09:00Z')), 3 * hour, 'the day before: three hours, in winter time (UTC-5)');
  t.equal(clock.between(at('2026-03-09T05:00Z'), at('2026-03-09T08:00Z')), 3 * hour, 'the day after: three hours, in summer time (UTC-4)');
  t.equal(clock.between(at('2026-11-01T05:00Z'), at('2026-11-01T09:00Z')), 4 * hour, 'fall back: 1:00 to 4:00 is four hours');

  const office = new BusinessClock({ ...weekdays, timeZone: 'America/New_York' });
  t.equal(office.between(at('2026-03-06T13:00Z'), at('2026-03-06T22:00Z')), 9 * hour, 'Friday before: 8:00 EST is 13:00 UTC');
  t.equal(office.between(at('2026-03-09T12:00Z'), at('2026-03-09T21:00Z')), 9 * hour, 'Monday after: 8:00 EDT is 12:00 UTC');
  t.same(office.add(at('2026-03-06T21:00Z'), 2 * hour), at('2026-03-09T13:00Z'), 'Friday 16:00 EST plus two hours is Monday 9:00 EDT');
});

t.test('any split of a span adds up to the whole span', async (t) => {
  const clock = new BusinessClock({ ...weekdays, timeZone: 'Europe/Berlin', holidays: new Set(['2027-01-01', '2026-12-24']) });
  let seed = 7;
  const random = () => {
    seed = (seed * 48_271) % 2_147_483_647;
    return seed / 2_147_483_647;
  };
  const origin = at('2024-01-01T00:00Z').getTime();
  const span = 4 * 365 * 24 * hour;
  for (let round = 0; round < 200; round++) {
    const [a, b, c] = [random(), random(), random()].map((x) => origin + Math.floor(x * span)).sort((x, y) => x - y) as [number, number, number];
    if (clock.between(a, b) + clock.between(b, c) !== clock.between(a, c)) {
      t.fail(`between(${new Date(a).toISOString()}, ${new Date(c).toISOString()}) is not the sum of its parts`);
      return;
    }
    const later = clock.add(a, clock.between(a, c));
    if (clock.between(a, later) !== clock.between(a, c)) {
      t.fail(`add(${new Date(a).toISOString()}) does not undo between`);
      return;
    }
  }
  t.pass('200 random spans over four years');
});

t.test('working time in words', async (t) => {
  t.equal(workingDuration(25 * 60_000, 540), '25 min');
  t.equal(workingDuration(2 * hour, 540), '2 h');
  t.equal(workingDuration(2.5 * hour, 540), '2 h 30 min');
  t.equal(workingDuration(9 * hour, 540), '1 d', 'a working day is the shop’s day, not 24 hours');
  t.equal(workingDuration(21 * hour, 540), '2 d 3 h');
  t.equal(workingDuration(18.5 * hour, 540), '2 d 30 min', 'the half hour past two days is not rounded away');
  t.equal(workingDuration(0, 540), '0 min');
});
