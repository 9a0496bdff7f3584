import { sql } from 'kysely';
import t from 'tap';
import { BusinessClock } from '../../src/monitoring/business-time.js';
import { durationStats, percentile, refreshDurationStats, DurationStatsCache, type FinishedStay } from '../../src/monitoring/durations.js';
import { endOfDueDate, forecastOf, statusesAhead } from '../../src/monitoring/eta.js';
import { loadWorkflow } from '../../src/workflow/definition.js';
import { transition } from '../../src/workflow/engine.js';
import { freshDatabase } from '../helpers/database.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

const hour = 3_600_000;
const clock = new BusinessClock({ timeZone: 'UTC', workDays: [1, 2, 3, 4, 5], dayStartMinute: 480, dayEndMinute: 1020, holidays: new Set() });
const at = (iso: string) => new Date(iso);
const none = () => undefined;

t.test('the way ahead follows the item’s fulfillment method to a completed status', async (t) => {
  const { db } = await freshDatabase(t);
  const workflow = await loadWorkflow(db, 'production');
  t.same(statusesAhead(workflow, 'pending', 'installation').map((s) => s.key), ['in_progress', 'awaiting_installation']);
  t.same(statusesAhead(workflow, 'pending', 'shipping').map((s) => s.key), ['in_progress', 'awaiting_shipping']);
  t.same(statusesAhead(workflow, 'awaiting_pickup', 'pickup').map((s) => s.key), [], 'only completion is left');
});

t.test('a forecast from expected times while there is too little history', async (t) => {
  const { db } = await freshDatabase(t);
  const workflow = await loadWorkflow(db, 'production');
  const item = { status: 'pending', fulfillmentMethod: 'shipping', dueDate: '2026-11-30', machineId: null, materialId: null };
  // Pending 2 days, work 2 days, awaiting shipping 1 day: five working days of nine hours, one hour of Pending already spent.
  const forecast = forecastOf(workflow, item, hour, clock, at('2026-11-23T08:00Z'), none)!;
  t.equal(forecast.basis, 'expected');
  t.same(forecast.likely, at('2026-11-27T16:00Z'), 'Monday 8:00 plus 44 working hours is Friday 16:00');
  t.same(forecast.latest, forecast.likely, 'no spread without history');
  t.equal(forecast.missesDue, false, 'due Monday: on time');
  t.equal(forecastOf(workflow, { ...item, dueDate: '2026-11-26' }, hour, clock, at('2026-11-23T08:00Z'), none)!.missesDue, true, 'due Thursday: flagged');
  t.equal(forecastOf(workflow, { ...item, dueDate: null }, 0, clock, at('2026-11-23T08:00Z'), none)!.missesDue, null);
  t.equal(forecastOf(workflow, { ...item, status: 'on_hold' }, 0, clock, at('2026-11-23T08:00Z'), none), undefined, 'nothing forecast on hold');
  t.equal(forecastOf(workflow, { ...item, status: 'shipped' }, 0, clock, at('2026-11-23T08:00Z'), none), undefined, 'nor once finished');
  t.same(endOfDueDate('2026-11-30', 'America/Chicago'), at('2026-12-01T05:59:59.999Z'), 'a due date ends at midnight in the shop');
});

t.test('with enough recent items, their median and 85th percentile make the range', async (t) => {
  const { db } = await freshDatabase(t);
  const workflow = await loadWorkflow(db, 'production');
  const item = { status: 'in_progress', fulfillmentMethod: 'pickup', dueDate: null, machineId: 3, materialId: null };
  const history = (status: string) => (status === 'in_progress' ? { samples: 30, p50Ms: 4 * hour, p85Ms: 10 * hour } : undefined);
  const forecast = forecastOf(workflow, item, 2 * hour, clock, at('2026-11-23T08:00Z'), history)!;
  t.equal(forecast.basis, 'both', 'work from history, awaiting pickup from its expected three days');
  t.same(forecast.likely, at('2026-11-26T10:00Z'), '2 h of work left at the median, then 27 h awaiting pickup');
  t.same(forecast.latest, at('2026-11-26T16:00Z'), '8 h of work left at the 85th percentile, then the same 27 h');
});

t.test('duration statistics: recent stays per status and scope, in working time', async (t) => {
  t.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5), 5);
  t.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.85), 9);
  t.equal(percentile([7], 0.85), 7);
  const stays: FinishedStay[] = Array.from({ length: 10 }, (_, index) => ({
    status: 'in_progress',
    enteredAt: at('2026-11-23T08:00Z'),
    leftAt: new Date(at('2026-11-23T08:00Z').getTime() + (index + 1) * hour),
    machineId: index < 4 ? 1 : 2,
    materialId: null,
  }));
  const stats = durationStats(stays, clock).get('in_progress')!;
  t.same(stats.get('all'), { samples: 10, p50Ms: 5 * hour, p85Ms: 9 * hour });
  t.same(stats.get('machine:1'), { samples: 4, p50Ms: 2 * hour, p85Ms: 4 * hour });
  t.equal(stats.get('material:1'), undefined);
});

t.test('the refresh job measures what items really did, and the cache prefers the narrowest scope with enough items', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, Array.from({ length: 9 }, () => ({ machineId: String(shop.machines.router) })));
  for (const item of order.items) {
    await transition(db, { type: 'line_item', id: item.id }, { userId: shop.production.id, roles: ['production'] }, { expectedVersion: item.version, to: { intent: 'start' } });
  }
  // Each item entered Pending on Monday 8:00 and left it Monday 11:00: three working hours.
  await sql`update line_items set created_at = '2026-11-23T08:00Z' where order_id = ${order.id}`.execute(db);
  await sql`update events set occurred_at = '2026-11-23T11:00Z' where subject_type = 'line_item' and to_status = 'in_progress'`.execute(db);
  t.ok((await refreshDurationStats(db, 'production', clock)) > 0);
  const rows = await db.selectFrom('status_durations').select(['status', 'scope', 'samples', 'p50_ms']).orderBy('scope').execute();
  t.same(rows, [
    { status: 'pending', scope: 'all', samples: 9, p50_ms: 3 * hour },
    { status: 'pending', scope: `machine:${shop.machines.router}`, samples: 9, p50_ms: 3 * hour },
  ]);
  const lookup = await new DurationStatsCache(db, 'production').lookup();
  t.same(lookup('pending', { machineId: shop.machines.router, materialId: null }), { samples: 9, p50Ms: 3 * hour, p85Ms: 3 * hour });
  t.equal(lookup('in_progress', { machineId: null, materialId: null }), undefined, 'nothing measured there yet');
});
