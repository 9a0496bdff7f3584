import { sql } from 'kysely';
import t from 'tap';
import { refreshSnapshot } from '../../src/monitoring/dashboard.js';
import { transition } from '../../src/workflow/engine.js';
import { buildTestApp, readableHtml, signedInClient } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

/** The page's words, tags dropped, spaces squeezed. */
const textOf = (html: string) => readableHtml(html).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const versionIn = (html: string, action: string) => html.match(new RegExp(`action="${action}"[\\s\\S]*?name="version" value="(\\d+)"`))![1]!;

t.test('Admin → Settings: working days, hours and holidays, checked field by field', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client: admin } = await signedInClient(app, db, ['admin']);
  const page = await admin.get('/admin/settings');
  t.equal(page.statusCode, 200);
  t.match(page.body, /id="working-hours"/);
  t.match(page.body, /name="workDays" value="1" checked/, 'Monday to Friday by default');
  t.notMatch(page.body, /name="workDays" value="6" checked/);
  t.match(page.body, /name="opensAt"[^>]*value="08:00"/);
  const version = versionIn(page.body, '/admin/settings/calendar');

  const twice = await admin.post('/admin/settings/calendar', { version, workDays: ['1'], opensAt: '08:00', closesAt: '17:00', holidays: '2026-12-25 Christmas\n2026-12-25 Christmas Day' });
  t.match(textOf(twice.body), /Line 2: 2026-12-25 is already on line 1 \(Christmas\)\./, 'a date twice is not silently merged');
  t.match(twice.body, /The working hours were not saved\./, 'a summary at the top points to the messages below');
  const refused = await admin.post('/admin/settings/calendar', { version, opensAt: '17:00', closesAt: '9am', holidays: '2026-12-25 Christmas\nBoxing Day' });
  t.equal(refused.statusCode, 422);
  const text = textOf(refused.body);
  t.match(text, /Choose at least one working day\./);
  t.match(text, /Enter a time like 17:00\./, 'the closing time is not a time');
  t.match(text, /Line 2: start with a date like 2026-12-25/);
  t.match(refused.body, /Boxing Day<\/textarea>/, 'what was typed is kept');

  const backwards = await admin.post('/admin/settings/calendar', { version, workDays: ['1', '2'], opensAt: '17:00', closesAt: '09:00', holidays: '' });
  t.match(textOf(backwards.body), /Work must end after it starts\./);
  const forged = await admin.post('/admin/settings/calendar', { version, workDays: ['8'], opensAt: '08:00', closesAt: '09:00', holidays: '' });
  t.match(textOf(forged.body), /Choose days from the list\./);

  const saved = await admin.post('/admin/settings/calendar', { version, workDays: ['1', '2', '3', '4', '5', '6'], opensAt: '07:30', closesAt: '16:00', holidays: '2026-12-26 Boxing Day\n2026-12-25 – Christmas Day\n\n' });
  t.equal(saved.statusCode, 303);
  const stored = await db.selectFrom('shop_settings').select(['work_days', 'work_day_starts_minute', 'work_day_ends_minute']).executeTakeFirstOrThrow();
  t.same(stored, { work_days: [1, 2, 3, 4, 5, 6], work_day_starts_minute: 450, work_day_ends_minute: 960 });
  const holidays = await db.selectFrom('shop_holidays').select([sql<string>`to_char(day, 'YYYY-MM-DD')`.as('day'), 'name']).orderBy('day').execute();
  t.same(holidays, [{ day: '2026-12-25', name: 'Christmas Day' }, { day: '2026-12-26', name: 'Boxing Day' }], 'sorted, the dash after the date dropped');
  const event = await db.selectFrom('events').select('particulars').where('action', '=', 'calendar-updated').executeTakeFirstOrThrow();
  t.match(event.particulars, { opensAt: '07:30', closesAt: '16:00', holidays: 2 });
  const clock = await app.shopClock.get();
  t.equal(clock.calendar.dayStartMinute, 450, 'this instance uses the saved calendar at once');

  const stale = await admin.post('/admin/settings/calendar', { version, workDays: ['1'], opensAt: '08:00', closesAt: '12:00', holidays: '' });
  t.equal(stale.statusCode, 409, 'a save from a page opened before the last save is a conflict');
  t.match(textOf(stale.body), /07:30 to 16:00/, 'showing what is saved');
  t.match(stale.body, /name="opensAt"[^>]*value="08:00"/, 'and keeping what this person typed');

  const { client: sales } = await signedInClient(app, db, ['sales']);
  t.equal((await sales.post('/admin/settings/calendar', { version, workDays: ['1'], opensAt: '08:00', closesAt: '12:00', holidays: '' })).statusCode, 403);
});

t.test('an item page shows time in each status across re-entries, and lateness on the shop clock', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const { client, user } = await signedInClient(app, db, ['production']);
  const order = await placeOrder(db, shop, [{ description: 'Pylon sign' }]);
  const item = order.items[0]!;
  // Entered ten days ago: at least six working days in Pending, where two are expected.
  await sql`update line_items set created_at = now() - interval '10 days', status_entered_at = now() - interval '10 days' where id = ${item.id}`.execute(db);
  const page = await client.get(`/items/${item.id}`);
  t.equal(page.statusCode, 200);
  const text = textOf(page.body);
  t.match(text, /Time in each status/);
  t.match(text, /late: \d+ d( \d+ h)? of 2 d working time/, 'the status line says it is late');
  t.match(page.body, /class="pace pace-late">Late</);

  const started = await transition(db, { type: 'line_item', id: item.id }, { userId: user.id, roles: ['production'] }, { expectedVersion: item.version, to: { intent: 'start' } });
  await transition(db, { type: 'line_item', id: item.id }, { userId: user.id, roles: ['production'] }, { expectedVersion: started.version, to: 'pending' });
  const again = textOf((await client.get(`/items/${item.id}`)).body);
  t.match(again, /Pending \(now\) 2 /, 'Pending entered twice, its time carried on');
  t.match(again, /Work in progress 1 /);
});

t.test('batches: made from a selection, an order or a filter; their page shows progress, breakdown, products and alerts', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const { client, user } = await signedInClient(app, db, ['production']);
  const first = await placeOrder(db, shop, [{ description: 'Menu board' }, { description: 'Menu board' }, { description: 'Window vinyl' }]);
  const second = await placeOrder(db, shop, [{ description: 'Menu board', machineId: String(shop.machines.router) }]);

  const queue = await client.get('/queues/pending');
  t.match(queue.body, /name="action" value="batch"/, 'the queue offers to batch the selection');
  t.match(queue.body, /href="\/batches\/new\?queue=pending"/, 'and everything its filter shows');
  const picked = [first.items[0]!, second.items[0]!].map((item) => `${item.id}:${item.version}`);
  const bulk = await client.post('/queues/pending/bulk', { item: picked, action: 'batch', to: '', returnTo: '/queues/pending' });
  t.equal(bulk.statusCode, 303);
  const newPage = await client.get(String(bulk.headers.location));
  t.equal(newPage.statusCode, 200);
  t.match(textOf(newPage.body), /2 items from your selection/);

  const unnamed = await client.post('/batches', { items: `${first.items[0]!.id},${second.items[0]!.id}`, source: '2 selected items', batchId: '', name: '', notes: '' });
  t.equal(unnamed.statusCode, 422);
  t.match(textOf(unnamed.body), /Name the batch/);
  const created = await client.post('/batches', { items: `${first.items[0]!.id},${second.items[0]!.id}`, source: '2 selected items', batchId: '', name: 'Spring menu boards 2027', notes: '' });
  t.equal(created.statusCode, 303);
  const batchPath = String(created.headers.location);
  const batchId = batchPath.split('/').pop()!;
  const same = await client.post('/batches', { items: String(first.items[2]!.id), source: 'x', batchId: '', name: 'spring MENU boards 2027', notes: '' });
  t.match(textOf(same.body), /There already is a batch called/, 'names are unique whatever the case');

  const fromOrder = await client.get(`/batches/new?order=${first.id}`);
  t.match(textOf(fromOrder.body), /3 items from the items of order/);
  const added = await client.post('/batches', { items: first.items.map((item) => item.id).join(','), source: 'the items of order', batchId, name: '', notes: '' });
  t.equal(added.statusCode, 303, 'adding an order’s items to the existing batch');
  t.equal((await db.selectFrom('batch_items').select('line_item_id').where('batch_id', '=', Number(batchId)).execute()).length, 4, 'an item already in it is there once');

  const fromFilter = await client.get(`/batches/new?queue=pending&machine=${shop.machines.router}`);
  t.match(textOf(fromFilter.body), /1 item from Pending, filtered/);

  // Finish one item, hold another: the bar and the breakdown follow.
  const production = { userId: user.id, roles: ['production' as const, 'admin' as const] };
  let item = first.items[0]!;
  let moved = await transition(db, { type: 'line_item', id: item.id }, production, { expectedVersion: item.version, to: { intent: 'start' } });
  moved = await transition(db, { type: 'line_item', id: item.id }, production, { expectedVersion: moved.version, to: { intent: 'built' }, input: { fulfillmentMethod: 'pickup' } });
  await transition(db, { type: 'line_item', id: item.id }, production, { expectedVersion: moved.version, to: { intent: 'complete' } });
  item = first.items[1]!;
  await transition(db, { type: 'line_item', id: item.id }, production, { expectedVersion: item.version, to: { intent: 'hold' }, input: { reason: 'Waiting for the logo file' } });

  const page = await client.get(batchPath);
  t.equal(page.statusCode, 200);
  const text = textOf(page.body);
  t.match(page.body, /aria-label="1 of 4 done, 0 built and awaiting handover"/, 'one of four done');
  t.match(page.body, /<rect class="bar-done" width="250"/, 'a quarter of the bar');
  t.match(text, /25 %/);
  t.match(text, /In production\s*2/);
  t.match(text, /On hold\s*1/);
  t.match(text, /Done\s*1/);
  t.match(text, /Menu board\s*3\s*1\s*0\s*1/, 'by product: three menu boards, one done, one on hold');
  t.match(text, /Expected completion/);

  const fragment = await client.get(`${batchPath}/progress`, { 'hx-request': 'true' });
  t.equal(fragment.statusCode, 200);
  t.match(fragment.body, new RegExp(`id="batch-progress-${batchId}"`), 'the polled region alone');
  t.notMatch(fragment.body, /<html/);

  const removed = await client.post(`${batchPath}/items/${first.items[2]!.id}/remove`, {});
  t.equal(removed.statusCode, 303);
  t.equal((await client.post(`${batchPath}/items/${first.items[2]!.id}/remove`, {})).statusCode, 404, 'an item not in the batch');
  t.equal((await client.get('/batches/999999')).statusCode, 404);

  const { client: qa } = await signedInClient(app, db, ['qa']);
  t.equal((await qa.get(batchPath)).statusCode, 200, 'QA may look');
  t.equal((await qa.get(`/batches/new?order=${first.id}`)).statusCode, 403, 'but not batch');
  const qaQueue = (await qa.get('/queues/pending')).body;
  t.notMatch(qaQueue, /Put every item this filter shows/);
  t.match(qaQueue, /Download every item this filter shows as <a href="\/reports\/items\.xlsx\?queue=pending">Excel<\/a> or <a href="\/reports\/items\.csv\?queue=pending">CSV/, 'but may download what the queue shows');

  const list = await client.get('/batches');
  t.match(textOf(list.body), /Spring menu boards 2027/);

  const both = await client.post('/batches', { items: String(first.items[2]!.id), source: 'x', batchId, name: 'Another', notes: '' });
  t.match(textOf(both.body), /Choose a batch above or name a new one, not both\./, 'nothing typed is silently dropped');
  const none = await client.post('/queues/pending/bulk', { action: 'batch', to: '', returnTo: '/queues/pending' }, { htmx: true });
  t.equal(none.statusCode, 200);
  t.notMatch(none.body, /<html/, 'an empty selection answers in the queue table, not with a whole page inside it');
  t.match(none.body, /Select the items to put in a batch first\./);

  const deleted = await client.post(`${batchPath}/delete`, { confirm: '1' });
  t.equal(deleted.statusCode, 303);
  const gone = await client.get(`${batchPath}/progress`, { 'hx-request': 'true' });
  t.equal(gone.statusCode, 286, 'htmx stops polling a batch deleted meanwhile');
  t.match(gone.body, /This batch was deleted meanwhile/);
});

t.test('the monitoring dashboard counts the shop, late items by the shop clock, and the newest batches', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const { client, user } = await signedInClient(app, db, ['production']);
  const order = await placeOrder(db, shop, [{ description: 'A' }, { description: 'B' }, { description: 'C' }, { description: 'D' }]);
  const [a, b, c] = order.items as [(typeof order.items)[number], (typeof order.items)[number], (typeof order.items)[number]];
  const actor = { userId: user.id, roles: ['production' as const] };
  const started = await transition(db, { type: 'line_item', id: b.id }, actor, { expectedVersion: b.version, to: { intent: 'start' } });
  await transition(db, { type: 'line_item', id: b.id }, actor, { expectedVersion: started.version, to: { intent: 'built' }, input: { fulfillmentMethod: 'pickup' } });
  await transition(db, { type: 'line_item', id: c.id }, actor, { expectedVersion: c.version, to: { intent: 'hold' }, input: { reason: 'Waiting for artwork' } });
  // A has waited in Pending for three weeks: far past its two working days.
  await sql`update line_items set status_entered_at = now() - interval '21 days' where id = ${a.id}`.execute(db);

  const workflow = await app.workflows.get('production');
  const clock = await app.shopClock.get();
  t.ok(await refreshSnapshot(db, workflow, clock), 'the job counts and stores');
  const stored = await db.selectFrom('monitoring_snapshots').select('data').executeTakeFirstOrThrow();
  t.match(stored.data, { orders: { total: 1, lastThirtyDays: 1 }, items: { inProduction: 2, ready: 1, onHold: 1, late: 1, waitingOnCustomer: 1, completedLastThirtyDays: 0 } });

  const page = await client.get('/monitoring');
  t.equal(page.statusCode, 200);
  const text = textOf(page.body);
  t.match(text, /1 Orders 1 in the last 30 days/);
  t.match(text, /2 In production/);
  t.match(text, /1 Built, awaiting handover/);
  t.match(text, /2 On hold or blocked 1 on hold, 1 waiting on the customer or a supplier/, 'the item awaiting customer pickup waits on the customer');
  t.match(text, /1 Late/);
  t.match(text, /Pending 2 1 —/, 'Pending: two items, one of them late');
  t.match(page.body, /href="\/queues\/pending"/);

  const { client: installer } = await signedInClient(app, db, ['installer']);
  t.equal((await installer.get('/monitoring')).statusCode, 403, 'not for installers');
  const { client: accounting } = await signedInClient(app, db, ['accounting']);
  t.equal((await accounting.get('/monitoring')).statusCode, 200);
});
