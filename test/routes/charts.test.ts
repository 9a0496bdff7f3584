import { sql } from 'kysely';
import { DateTime } from 'luxon';
import t from 'tap';
import { addCatalogEntry } from '../../src/catalog/catalog.js';
import { workingDayMs } from '../../src/charts/data.js';
import { KeptCharts } from '../../src/charts/routes.js';
import { dayLabel, formatNumber } from '../../src/charts/svg.js';
import type { Db } from '../../src/db/database.js';
import { BusinessClock } from '../../src/monitoring/business-time.js';
import { transition } from '../../src/workflow/engine.js';
import { buildTestApp, signedInClient, textOf } from '../helpers/app.js';
import { placeOrder, seedShop, type Shop } from '../helpers/shop.js';

/** The page's words, tags dropped, spaces squeezed. */
const count = (html: string, pattern: RegExp) => (html.match(new RegExp(pattern, 'g')) ?? []).length;
/** The section of the page under a chart's heading, up to the next one. */
const sectionOf = (html: string, headingId: string) => html.slice(html.indexOf(`id="${headingId}"`)).split('<section')[0]!;

/** PostgreSQL's percentile_cont: interpolated between the two nearest ranks. */
function percentileCont(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = share * (sorted.length - 1);
  const below = Math.floor(position);
  return sorted[below]! + (position - below) * ((sorted[Math.ceil(position)] ?? sorted[below]!) - sorted[below]!);
}

const zone = 'America/Chicago';
/** Noon of `days` days ago in the shop's time zone: whatever the hour the test runs, that day. */
const noonDaysAgo = (days: number) => DateTime.now().setZone(zone).startOf('day').minus({ days }).set({ hour: 12 }).toJSDate();

async function moveThrough(db: Db, shop: Shop, item: { id: number; version: number }, steps: Parameters<typeof transition>[3]['to'][], input: Record<string, string> = {}) {
  const actor = { userId: shop.admin.id, roles: shop.admin.roles };
  let version = item.version;
  for (const to of steps) version = (await transition(db, { type: 'line_item', id: item.id }, actor, { expectedVersion: version, to, input })).version;
}

t.test('the charts page draws four charts from the shop’s history, each with its numbers as a table', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const hostile = await addCatalogEntry(db, { userId: shop.admin.id }, 'machines', '<script>alert(1)</script> "&');
  const { client } = await signedInClient(app, db, ['production']);
  const today = DateTime.now().setZone(zone).toISODate()!;
  const router = String(shop.machines.router);
  const order = await placeOrder(db, shop, [
    { description: 'On time', machineId: router, dueDate: DateTime.fromISO(today).plus({ days: 30 }).toISODate()! },
    { description: 'Late', machineId: router },
    { description: 'No machine, no due date' },
    { description: 'Hostile machine', machineId: String(hostile) },
    { description: 'Started two days ago', machineId: String(shop.machines.printer) },
    { description: 'On hold', machineId: String(shop.machines.printer) },
    { description: 'Still pending' },
  ]);
  const [onTime, late, noMachine, onHostile, started, held] = order.items;
  await sql`update line_items set due_date = ${DateTime.fromISO(today).minus({ days: 1 }).toISODate()} where id = ${late!.id}`.execute(db);
  const createdDaysAgo = new Map([
    [onTime!.id, 10],
    [late!.id, 6],
    [noMachine!.id, 3],
    [onHostile!.id, 12],
    [started!.id, 5],
  ]);
  for (const [id, days] of createdDaysAgo) await sql`update line_items set created_at = ${noonDaysAgo(days)}, status_entered_at = ${noonDaysAgo(days)} where id = ${id}`.execute(db);

  for (const item of [onTime!, late!, noMachine!, onHostile!]) await moveThrough(db, shop, item, [{ intent: 'start' }, { intent: 'built' }, { intent: 'complete' }], { fulfillmentMethod: 'pickup' });
  await moveThrough(db, shop, started!, [{ intent: 'start' }]);
  await sql`update events set occurred_at = ${noonDaysAgo(2)} where subject_type = 'line_item' and subject_id = ${started!.id}`.execute(db);
  await sql`update line_items set status_entered_at = ${noonDaysAgo(2)} where id = ${started!.id}`.execute(db);
  await moveThrough(db, shop, held!, [{ intent: 'hold' }], { reason: 'Waiting for artwork' });

  const page = await client.get('/monitoring/charts');
  t.equal(page.statusCode, 200);
  const html = page.body;
  t.notMatch(html, /<script>alert/, 'a hostile machine name is text, in the picture and in the table');
  t.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &quot;&amp;/);

  t.equal(count(html, /<svg [^>]*class="chart-svg"[^>]*role="img"/), 4, 'four charts, each an image');
  for (const id of ['chart-cycle-time', 'chart-flow', 'chart-on-time', 'chart-machines']) {
    t.match(html, new RegExp(`<svg [^>]*id="${id}"[^>]*aria-labelledby="${id}-title ${id}-desc"><title id="${id}-title">[^<]+</title><desc id="${id}-desc">[^<]+</desc>`), `${id}: a title and a description`);
    t.match(html, new RegExp(`id="${id}"[\\s\\S]*?</svg>[\\s\\S]*?<details class="chart-table">[\\s\\S]*?<table>`), `${id}: followed by its table`);
  }
  t.notMatch(html, /\sstyle=/, 'no inline styles (the CSP)');
  t.match(html, /<option value="90" selected>/, 'ninety days unless chosen otherwise');

  // Cycle time: the same working days as the shop's clock gives, the percentiles of them all.
  const clock = await app.shopClock.get();
  const finished = await db.selectFrom('line_items').select(['created_at', 'status_entered_at']).where('id', 'in', [...createdDaysAgo.keys()].slice(0, 4)).execute();
  const workingDays = finished.map((row) => clock.between(row.created_at, row.status_entered_at) / workingDayMs(clock));
  const cycle = sectionOf(html, 'cycle-time-heading');
  t.equal(count(cycle, /<circle class="chart-point"/), 4, 'a dot per completed item');
  const median = formatNumber(percentileCont(workingDays, 0.5), 1);
  const p85 = formatNumber(percentileCont(workingDays, 0.85), 1);
  t.match(cycle, `median ${median} d</text>`, 'the median rule, labelled');
  t.match(cycle, `85th percentile ${p85} d</text>`);
  const slowest = formatNumber(Math.max(...workingDays), 1);
  t.match(textOf(cycle), `All 4 ${median} ${p85} ${slowest}`, 'the table: items, median, 85th percentile, slowest');

  // Work in progress: now, and before the started item was started.
  const flow = textOf(sectionOf(html, 'flow-heading'));
  t.match(flow, /Day Pending Work in progress BUILT · awaiting customer pickup BUILT · awaiting installation BUILT · awaiting delivery BUILT · awaiting shipping On hold Total/);
  t.match(flow, /Today \(now\) 1 1 0 0 0 0 1 3 /, 'one pending, one in progress, one on hold');
  t.match(flow, new RegExp(`${dayLabel(DateTime.fromISO(today).minus({ days: 3 }).toISODate()!)} 5 0 0 0 0 0 0 5 `), 'three days ago: five items made by then, all pending');
  t.match(flow, new RegExp(`${dayLabel(DateTime.fromISO(today).minus({ days: 4 }).toISODate()!)} 4 0 0 0 0 0 0 4 `), 'the day before, four');
  t.match(flow, new RegExp(`${dayLabel(DateTime.fromISO(today).minus({ days: 11 }).toISODate()!)} 1 0 0 0 0 0 0 1 `), 'eleven days ago: only the item made twelve days ago');
  t.match(flow, new RegExp(`${dayLabel(DateTime.fromISO(today).minus({ days: 13 }).toISODate()!)} 0 0 0 0 0 0 0 0 `), 'before any was made: none');
  t.equal(count(sectionOf(html, 'flow-heading'), /<path class="chart-area /), 7, 'a band per open or on-hold status');
  t.match(html, /<li><span class="chart-swatch chart-series-0"><\/span>Pending<\/li>/, 'a legend');

  // On time: of the two completed with a due date, one was done by it.
  const week = DateTime.fromISO(today).startOf('week').toISODate()!;
  t.match(textOf(sectionOf(html, 'on-time-heading')), `${dayLabel(week)} 2 1 50%`);
  t.match(sectionOf(html, 'on-time-heading'), /<text class="chart-value chart-share"[^>]*>50%<\/text>/);

  // Per machine: most first, items without one as "No machine".
  const machines = textOf(sectionOf(html, 'machines-heading'));
  t.match(machines, /Machine Completed Share CNC router 2 50% &lt;script&gt;alert\(1\)&lt;\/script&gt; &quot;&amp; 1 25% No machine 1 25%/);
  t.equal(count(sectionOf(html, 'machines-heading'), /<rect /), 3);
});

t.test('charts are reused for a minute, then worked out again while the older ones are shown', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'First' }, { description: 'Second' }]);
  const complete = [{ intent: 'start' }, { intent: 'built' }, { intent: 'complete' }] as const;
  const kept = new KeptCharts(db, app.log);
  const [workflow, clock] = await Promise.all([app.workflows.get('production'), app.shopClock.get()]);
  const completed = (charts: Awaited<ReturnType<KeptCharts['get']>>) => charts.data.cycle.count;
  const at = (seconds: number) => new Date(Date.now() + seconds * 1000);

  await moveThrough(db, shop, order.items[0]!, [...complete], { fulfillmentMethod: 'pickup' });
  const first = await kept.get('30', workflow, clock, at(0));
  t.equal(completed(first), 1);
  await moveThrough(db, shop, order.items[1]!, [...complete], { fulfillmentMethod: 'pickup' });
  t.equal(await kept.get('30', workflow, clock, at(30)), first, 'within a minute: the same charts');
  t.equal(await kept.get('30', workflow, clock, at(90)), first, 'after it: still the older ones, while new ones are worked out');
  await kept.idle();
  const second = await kept.get('30', workflow, clock, at(91));
  t.equal(completed(second), 2, 'the next look gets the new ones');
  t.equal(completed(await kept.get('90', workflow, clock, at(91))), 2, 'each period has its own');
  const calendar = new BusinessClock(clock.calendar);
  const third = await kept.get('30', workflow, calendar, at(92));
  t.not(third, second, 'a saved calendar (a new clock): worked out again at once');
  const muchLater = await kept.get('30', workflow, calendar, at(92 + 20 * 60));
  t.not(muchLater, third, 'unseen for long: the page waits for new ones');
  t.equal(completed(muchLater), 2);
});

t.test('a fresh shop: a sentence for each chart instead of an empty picture', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client } = await signedInClient(app, db, ['sales']);
  const page = await client.get('/monitoring/charts?period=30');
  t.equal(page.statusCode, 200);
  t.notMatch(page.body, /<svg/);
  const text = textOf(page.body);
  t.match(text, /No items were completed in the last 30 days\./);
  t.match(text, /No items were open or on hold in the last 30 days\./);
  t.match(text, /No items with a due date were completed in the last 30 days\./);
  t.match(page.body, /<option value="30" selected>/);
  t.match(page.body, /<form method="get" action="\/monitoring\/charts"/, 'the period is a plain GET form');
});

t.test('the period must be one offered; the page is for those who may see orders', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client } = await signedInClient(app, db, ['accounting']);
  t.equal((await client.get('/monitoring/charts?period=abc')).statusCode, 400);
  t.equal((await client.get('/monitoring/charts?period=7')).statusCode, 400);
  t.equal((await client.get('/monitoring/charts?period=365')).statusCode, 200);
  const { client: installer } = await signedInClient(app, db, ['installer']);
  t.equal((await installer.get('/monitoring/charts')).statusCode, 403);
  const anonymous = await app.inject({ method: 'GET', url: '/monitoring/charts' });
  t.not(anonymous.statusCode, 200, 'nobody signed in: not the page');
});
