import t, { type Test } from 'tap';
import type { Db } from '../../src/db/database.js';
import { BusinessClock, type ShopCalendar } from '../../src/monitoring/business-time.js';
import { forecastOf } from '../../src/monitoring/eta.js';
import { planningBoard } from '../../src/planning/board.js';
import { machineDayLoads, planningStatuses } from '../../src/planning/load.js';
import { planItem, plannedMessage, unplanItem } from '../../src/planning/plan.js';
import { ConflictError, HttpError, ValidationError } from '../../src/platform/errors.js';
import { loadWorkflow } from '../../src/workflow/definition.js';
import { transition } from '../../src/workflow/engine.js';
import { createUser } from '../helpers/app.js';
import { freshDatabase } from '../helpers/database.js';
import { placeOrder, seedShop, type Shop } from '../helpers/shop.js';

/** Monday to Friday, 8:00 to 16:00, closed on Wednesday 2027-03-10 for the test. */
const calendar: ShopCalendar = { timeZone: 'UTC', workDays: [1, 2, 3, 4, 5], dayStartMinute: 480, dayEndMinute: 960, holidays: new Set(['2027-03-10']) };
const monday = '2027-03-08';

async function refusedWith(t: Test, promise: Promise<unknown>, kind: new (...args: never[]) => Error, message: string) {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  t.type(error, kind, message);
  return error as Error;
}

async function items(db: Db, shop: Shop, hours: (number | null)[]) {
  const order = await placeOrder(db, shop, hours.map((h, index) => ({ description: `Panel ${index + 1}`, machineId: String(shop.machines.router), expectedHours: h === null ? '' : String(h) })));
  return order.items.map((item) => item.id);
}

t.test('capacity math: expected hours spread over the plan’s working days; over-capacity days flagged', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const actor = { userId: shop.admin.id };
  await db.updateTable('machines').set({ capacity_minutes: 480 }).where('id', '=', shop.machines.router).execute();
  const [long, short, unknown] = await items(db, shop, [18, 6, null]);

  // 18 h over Mon–Fri, where Wednesday is a holiday: 4.5 h on each of the four working days.
  const first = await planItem(db, actor, calendar, long!, 0, { machineId: String(shop.machines.router), start: monday, end: '2027-03-12' });
  t.same(first.overloaded, [], 'nothing over capacity yet');
  let loads = await machineDayLoads(db, calendar, planningStatuses(await loadWorkflow(db, 'production')), shop.machines.router, monday, '2027-03-14');
  t.same(loads.map((day) => [day.day, day.loadMinutes, day.capacityMinutes, day.over]), [
    ['2027-03-08', 270, 480, false],
    ['2027-03-09', 270, 480, false],
    ['2027-03-10', 0, 0, false],
    ['2027-03-11', 270, 480, false],
    ['2027-03-12', 270, 480, false],
    ['2027-03-13', 0, 0, false],
    ['2027-03-14', 0, 0, false],
  ], 'a holiday and the weekend take none and can take none');

  // 6 h on Tuesday alone: 4.5 + 6 = 10.5 h of 8.
  const second = await planItem(db, actor, calendar, short!, 0, { machineId: String(shop.machines.router), start: '2027-03-09', end: '2027-03-09' });
  t.same(second.overloaded.map((day) => [day.day, day.loadMinutes, day.capacityMinutes]), [['2027-03-09', 630, 480]], 'Tuesday goes over, and the outcome says so');
  t.match(plannedMessage(second), /Over capacity on the CNC router: Mar 9, 2027 \(10 h 30 min of 8 h 00 min\)/);

  // An item with no expected time takes a place and no time; one planned on a closed day only is a load there.
  await planItem(db, actor, calendar, unknown!, 0, { machineId: String(shop.machines.router), start: '2027-03-11', end: '2027-03-11' });
  const [weekend] = await items(db, shop, [2]);
  const onSaturday = await planItem(db, actor, calendar, weekend!, 0, { machineId: String(shop.machines.router), start: '2027-03-13', end: '2027-03-13' });
  t.same(onSaturday.overloaded.map((day) => [day.day, day.loadMinutes, day.capacityMinutes]), [['2027-03-13', 120, 0]], 'work planned on a closed day is over its zero capacity');
  loads = await machineDayLoads(db, calendar, planningStatuses(await loadWorkflow(db, 'production')), shop.machines.router, monday, '2027-03-14');
  t.same(loads.find((day) => day.day === '2027-03-11'), { machineId: shop.machines.router, day: '2027-03-11', loadMinutes: 270, items: 2, capacityMinutes: 480, works: true, over: false }, 'two items on Thursday, one with no time');

  // The board: rows, loads, bars placed on its days, and the count of over days.
  const workflow = await loadWorkflow(db, 'production');
  const board = await planningBoard(db, workflow, calendar, monday, 7);
  const router = board.rows.find((row) => row.machineId === shop.machines.router)!;
  t.equal(board.overCount, 2, 'Tuesday and Saturday');
  t.same(router.days.filter((day) => day.over).map((day) => day.day), ['2027-03-09', '2027-03-13']);
  t.same(router.bars.map((bar) => [bar.id, bar.column, bar.span]), [[long, 1, 5], [short, 2, 1], [unknown, 4, 1], [weekend, 6, 1]], 'bars start and span on the board’s days');
  t.ok(board.rows.some((row) => row.machineId === shop.machines.printer), 'machines with nothing planned are rows too');
  const clipped = await planningBoard(db, workflow, calendar, '2027-03-10', 7);
  const longBar = clipped.rows.find((row) => row.machineId === shop.machines.router)!.bars.find((bar) => bar.id === long)!;
  t.same([longBar.column, longBar.span, longBar.clippedStart, longBar.clippedEnd], [1, 3, true, false], 'a bar that began before the board starts at its first day');

  // Cancelled items free their capacity.
  await transition(db, { type: 'line_item', id: short! }, { userId: shop.admin.id, roles: ['admin'] }, { expectedVersion: 1, to: 'cancelled', input: { reason: 'Customer cancelled' } });
  loads = await machineDayLoads(db, calendar, planningStatuses(await loadWorkflow(db, 'production')), shop.machines.router, '2027-03-09', '2027-03-09');
  t.same([loads[0]!.loadMinutes, loads[0]!.over], [270, false], 'a cancelled item takes no capacity');
  t.equal(board.unplanned.length, 0, 'nothing else is waiting for a plan');
});

t.test('plans are checked, versioned on their own, and recorded as events', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const [id] = await items(db, shop, [4]);
  const actor = { userId: shop.admin.id };
  const machine = String(shop.machines.router);
  for (const [change, field, why] of [
    [{ machineId: machine, start: '2027-02-30', end: '2027-03-01' }, 'start', 'an impossible date'],
    [{ machineId: machine, start: '2027-03-09', end: '2027-03-08' }, 'end', 'the end before the start'],
    [{ machineId: machine, start: '2027-03-09', end: '2028-03-10' }, 'end', 'longer than a year'],
    [{ machineId: '999999', start: '2027-03-09', end: '2027-03-10' }, 'machineId', 'a machine that does not exist'],
    [{ machineId: machine, start: '2027-03-09' }, 'end', 'no end for an item not yet planned'],
  ] as const) {
    const error = await refusedWith(t, planItem(db, actor, calendar, id!, 0, change), ValidationError, why);
    t.ok((error as ValidationError).fieldErrors[field], `${why}: beside ${field}`);
  }
  await planItem(db, actor, calendar, id!, 0, { machineId: machine, start: '2027-03-08', end: '2027-03-09' });
  const orderVersion = async () => (await db.selectFrom('orders').innerJoin('line_items', 'line_items.order_id', 'orders.id').select('orders.version').where('line_items.id', '=', id!).executeTakeFirstOrThrow()).version;
  const before = await orderVersion();
  const moved = await planItem(db, actor, calendar, id!, 1, { machineId: String(shop.machines.printer), start: '2027-03-11' });
  t.same([moved.start, moved.end, moved.machine], ['2027-03-11', '2027-03-12', 'Large-format printer'], 'moved without an end: the plan keeps its length');
  t.equal(await orderVersion(), before + 1, 'a new machine moves the order’s version on: an order form drawn before it gets a conflict, not a silent undo');
  const row = await db.selectFrom('line_items').select(['planned_start', 'planned_end', 'plan_version', 'version', 'machine_id']).where('id', '=', id!).executeTakeFirstOrThrow();
  t.same(row, { planned_start: '2027-03-11', planned_end: '2027-03-12', plan_version: 2, version: 1, machine_id: shop.machines.printer }, 'the item’s own version is untouched: a worker’s next move does not conflict');
  await refusedWith(t, planItem(db, actor, calendar, id!, 1, { machineId: machine, start: '2027-03-15', end: '2027-03-15' }), ConflictError, 'a plan from a stale board is a conflict');
  await unplanItem(db, actor, id!, 2);
  const events = await db.selectFrom('events').select(['particulars']).where('subject_id', '=', id!).where('action', '=', 'planned').orderBy('id').execute();
  t.same(events.map((e) => (e.particulars as { plan: string }).plan), ['Mar 8, 2027 – Mar 9, 2027 on the CNC router', 'Mar 11, 2027 – Mar 12, 2027 on the Large-format printer', 'not planned'], 'each plan is an event, in words');
  await transition(db, { type: 'line_item', id: id! }, { userId: shop.admin.id, roles: ['admin'] }, { expectedVersion: 1, to: 'cancelled', input: { reason: 'x' } });
  await refusedWith(t, planItem(db, actor, calendar, id!, 3, { machineId: machine, start: '2027-03-08', end: '2027-03-08' }), HttpError, 'a cancelled item is not planned');
  await refusedWith(t, planItem(db, actor, calendar, 999_999, 0, { machineId: machine, start: '2027-03-08', end: '2027-03-08' }), HttpError, 'a guessed item');
});

t.test('two planners move the same item at once: one move stands, the other is told who moved it', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const [id] = await items(db, shop, [8]);
  const planner = await createUser(db, ['production'], { name: 'Paula Planner' });
  await planItem(db, { userId: shop.admin.id }, calendar, id!, 0, { machineId: String(shop.machines.router), start: monday, end: monday });
  const results = await Promise.allSettled([
    planItem(db, { userId: shop.admin.id }, calendar, id!, 1, { machineId: String(shop.machines.router), start: '2027-03-09' }),
    planItem(db, { userId: planner.id }, calendar, id!, 1, { machineId: String(shop.machines.printer), start: '2027-03-11' }),
  ]);
  t.equal(results.filter((result) => result.status === 'fulfilled').length, 1, 'one move stands');
  const refused = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
  t.type(refused.reason, ConflictError);
  t.match(refused.reason.message, /(Ada Admin|Paula Planner) changed the plan of .* a moment ago: it is now Mar (9|11), 2027/, 'naming who, and the plan as it is now');
  const row = await db.selectFrom('line_items').select('plan_version').where('id', '=', id!).executeTakeFirstOrThrow();
  t.equal(row.plan_version, 2, 'written once');
});

t.test('a planned end feeds the forecast: an item is not BUILT before its plan says', async (t) => {
  const { db } = await freshDatabase(t);
  const workflow = await loadWorkflow(db, 'production');
  const clock = new BusinessClock(calendar);
  const now = new Date('2027-03-08T09:00:00Z');
  const noHistory = () => undefined;
  const item = { status: 'in_progress', fulfillmentMethod: 'pickup', dueDate: '2027-03-12', machineId: null, materialId: null };
  const unplanned = forecastOf(workflow, item, 0, clock, now, noHistory)!;
  const planned = forecastOf(workflow, { ...item, plannedEnd: '2027-03-12' }, 0, clock, now, noHistory)!;
  t.equal(unplanned.planned, false);
  t.equal(planned.planned, true, 'the plan holds it back');
  t.ok(planned.likely > unplanned.likely, 'later than the pace alone would say');
  t.ok(planned.likely.getTime() >= Date.parse('2027-03-12T16:00:00Z'), 'no earlier than the end of the planned day');
  t.equal(planned.missesDue, true, 'BUILT at the end of the due date, then picked up: it misses the due date');
  const early = forecastOf(workflow, { ...item, plannedEnd: '2027-03-01' }, 0, clock, now, noHistory)!;
  t.equal(early.planned, false, 'a plan already past does not pull the forecast earlier than the pace');
  t.same(early.likely, unplanned.likely);
});
