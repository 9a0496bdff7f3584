import t from 'tap';
import { buildTestApp, signedInClient, textOf } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

t.test('the planning board: who sees it, who plans, refusals with the input kept, htmx moves answer with the board', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [
    { description: 'Routed sign', machineId: String(shop.machines.router), expectedHours: '6', dueDate: '2027-03-12' },
    { description: 'Banner <script>', machineId: String(shop.machines.printer), expectedHours: '3' },
  ]);
  const [sign, banner] = order.items.map((item) => item.id) as [number, number];
  const { client: planner } = await signedInClient(app, db, ['production']);
  const { client: sales } = await signedInClient(app, db, ['sales']);
  const { client: qa } = await signedInClient(app, db, ['qa']);
  const { client: installer } = await signedInClient(app, db, ['installer']);
  const { client: admin } = await signedInClient(app, db, ['admin']);

  t.equal((await installer.get('/planning')).statusCode, 403, 'installers do not see the board');
  t.equal((await sales.get('/planning')).statusCode, 403, 'nor sales: they see an item’s plan on its page');
  const board = await qa.get('/planning?from=2027-03-08&days=7');
  t.equal(board.statusCode, 200, 'QA sees it');
  t.match(board.body, /id="planning-board"/);
  t.match(textOf(board.body), /To plan/);
  t.match(board.body, /Banner &lt;script&gt;/, 'descriptions are escaped');
  t.notMatch(board.body, /draggable="true"/, 'QA cannot move bars');
  t.equal((await qa.post(`/planning/items/${sign}`, { version: '0', machineId: String(shop.machines.router), start: '2027-03-08', end: '2027-03-08' })).statusCode, 403, 'nor plan');

  for (const query of ['from=2027-02-30', 'days=9', 'from=yesterday', 'days=14&days=28']) {
    t.equal((await planner.get(`/planning?${query}`)).statusCode, 400, `a malformed board address (${query}) is a 400, not a 500`);
  }
  t.equal((await planner.get('/planning')).statusCode, 200, 'with no dates: this week');

  const past = await planner.post(`/planning/items/${sign}`, { version: '0', machineId: String(shop.machines.router), start: '2020-01-06', end: '2020-01-07' });
  t.equal(past.statusCode, 422, 'a plan over before today');
  t.match(textOf(past.body), /That plan is over before today/);
  const refused = await planner.post(`/planning/items/${sign}`, { version: '0', machineId: String(shop.machines.router), start: '2027-03-09', end: '2027-03-08', from: '2027-03-08', days: '7' });
  t.equal(refused.statusCode, 422);
  t.match(refused.body, /id="field-end-error" class="field-error">The end is before the start/, 'the message beside the end');
  t.match(refused.body, /value="2027-03-09"/, 'the dates typed are kept');

  const planned = await planner.post(`/planning/items/${sign}`, { version: '0', machineId: String(shop.machines.router), start: '2027-03-08', end: '2027-03-08', from: '2027-03-08', days: '7' });
  t.equal(planned.statusCode, 303);
  t.equal(planned.headers.location, '/planning?from=2027-03-08&days=7', 'back to the board that was open');
  const withBar = await planner.get('/planning?from=2027-03-08&days=7');
  t.match(withBar.body, new RegExp(`class="plan-bar gs-1 span-1" href="/planning/items/${sign}\\?from=2027-03-08&amp;days=7" draggable="true" data-version="1"`), 'the bar, draggable for a planner');

  // A bar dropped on Tuesday of the printer's row: htmx sends the start alone and gets the board back.
  const dropped = await planner.post(`/planning/items/${sign}`, { version: '1', machineId: String(shop.machines.printer), start: '2027-03-09', from: '2027-03-08', days: '7' }, { htmx: true });
  t.equal(dropped.statusCode, 200);
  t.match(dropped.body, /^<section id="planning-board"/, 'the board region alone');
  t.match(textOf(dropped.body), /is planned Mar 9, 2027 – Mar 9, 2027 on the Large-format printer/);
  const stale = await planner.post(`/planning/items/${sign}`, { version: '1', machineId: String(shop.machines.router), start: '2027-03-10', from: '2027-03-08', days: '7' }, { htmx: true });
  t.equal(stale.statusCode, 409, 'a drop from a board drawn before that move');
  t.match(textOf(stale.body), /changed the plan of .* a moment ago: it is now Mar 9, 2027 – Mar 9, 2027 on the Large-format printer/);
  const staleForm = await planner.post(`/planning/items/${sign}`, { version: '1', machineId: String(shop.machines.router), start: '2027-03-10', end: '2027-03-10' });
  t.equal(staleForm.statusCode, 409, 'the same from the form');
  t.match(staleForm.body, /name="version" value="2"/, 'the form now carries the current version: saving again replaces theirs');
  t.match(staleForm.body, /value="2027-03-10"/, 'with the planner’s dates kept');

  // Capacity: 6 h on a 4 h printer day.
  await db.updateTable('machines').set({ capacity_minutes: 240 }).where('id', '=', shop.machines.printer).execute();
  const over = await planner.get('/planning?from=2027-03-08&days=7');
  t.match(textOf(over.body), /1 machine-day is over capacity/);
  t.match(over.body, /class="board-load gs-2 over"><span class="load-hours">6\/4 h<\/span> <strong class="over-flag">over<\/strong>/, 'Tuesday on the printer is flagged, in words too');
  const machinePage = await planner.get(`/planning/machines/${shop.machines.printer}?from=2027-03-08&days=7`);
  t.equal(machinePage.statusCode, 200);
  t.match(textOf(machinePage.body), /Routed sign/);
  t.equal((await planner.get('/planning/machines/99999')).statusCode, 404, 'a guessed machine');
  t.equal((await planner.get('/planning/machines/none')).statusCode, 200, 'the items with no machine');
  t.equal((await planner.get('/planning/items/99999')).statusCode, 404, 'a guessed item');
  t.equal((await planner.post('/planning/items/99999', { version: '0', machineId: '', start: '2027-03-08', end: '2027-03-08' })).statusCode, 404);

  t.equal((await planner.get('/planning?from=9999-12-20&days=28')).statusCode, 400, 'a board past the calendar is a 400');
  const tooLate = await planner.post(`/planning/items/${sign}`, { version: '2', machineId: '', start: '9999-12-31', end: '9999-12-31', from: '', days: '' });
  t.equal(tooLate.statusCode, 303, 'the last day of the calendar is a day like any other');
  const pastEnd = await planner.post(`/planning/items/${sign}`, { version: '3', machineId: '', start: '9999-12-31' });
  t.equal(pastEnd.statusCode, 303, 'moved without an end, it keeps its one day');
  const cleared = await planner.post(`/planning/items/${sign}`, { version: '4', action: 'clear' });
  t.equal(cleared.statusCode, 303);
  t.equal((await db.selectFrom('line_items').select('planned_start').where('id', '=', sign).executeTakeFirstOrThrow()).planned_start, null, 'taken off the plan');

  // The item page shows the plan; machine capacity is set in the catalog.
  await planner.post(`/planning/items/${banner}`, { version: '0', machineId: String(shop.machines.printer), start: '2027-03-10', end: '2027-03-11' });
  t.match(textOf((await planner.get(`/items/${banner}`)).body), /Planned Mar 10, 2027 – Mar 11, 2027 · change the plan/);
  t.match(textOf((await planner.get(`/orders/${order.id}`)).body), /Planned Mar 10, 2027 – Mar 11, 2027 \(1 of 2 items planned\)/, 'the order’s plan is its items’');
  const badCapacity = await admin.post(`/admin/catalog/machines/${shop.machines.printer}/capacity`, { hours: '25' });
  t.equal(badCapacity.statusCode, 422);
  t.match(badCapacity.body, /from 0 to 24/);
  t.match(badCapacity.body, /value="25"/);
  t.equal((await admin.post(`/admin/catalog/machines/${shop.machines.printer}/capacity`, { hours: '7,5' })).statusCode, 303);
  t.equal((await db.selectFrom('machines').select('capacity_minutes').where('id', '=', shop.machines.printer).executeTakeFirstOrThrow()).capacity_minutes, 450);
  t.equal((await planner.post(`/admin/catalog/machines/${shop.machines.printer}/capacity`, { hours: '8' })).statusCode, 403, 'production does not set capacity');
  t.equal((await admin.post('/admin/catalog/machines/99999/capacity', { hours: '8' })).statusCode, 404);
});
