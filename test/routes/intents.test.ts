import t from 'tap';
import type { Db } from '../../src/db/database.js';
import { buildTestApp, signedInClient } from '../helpers/app.js';
import { createStation, enrolTablet, givePin } from '../helpers/kiosk.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

/** An admin renames transitions (as Admin → Workflows does: labels changed, revision bumped). */
async function renameTransitions(db: Db, renames: Record<string, string>) {
  for (const [from, to] of Object.entries(renames)) {
    await db.updateTable('workflow_transitions').set({ label: to }).where('workflow', '=', 'production').where('label', '=', from).execute();
  }
  await db.updateTable('workflows').set((eb) => ({ revision: eb('revision', '+', 1) })).where('key', '=', 'production').execute();
}

const statusOf = async (db: Db, id: number) => (await db.selectFrom('line_items').select(['status', 'version']).where('id', '=', id).executeTakeFirstOrThrow());

t.test('code decides by intent: renamed moves still work in the office queues and at the kiosk', async (t) => {
  const { app, db } = await buildTestApp(t, { workflowCheckMs: 0 });
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Channel letters', fulfillmentMethod: 'installation' }, { description: 'Yard signs', fulfillmentMethod: 'pickup' }]);
  const [letters, yard] = order.items.map((item) => item.id) as [number, number];
  const { client: office } = await signedInClient(app, db, ['production']);
  const before = await office.get('/queues/pending');
  const polledWith = /\/changes\?seq=([\d.]+)/.exec(before.body)![1]!;
  t.equal((await office.get(`/queues/pending/changes?seq=${polledWith}`, { 'hx-request': 'true' })).statusCode, 204, 'nothing new yet');

  await renameTransitions(db, { 'Mark BUILT': 'Ready for the customer', 'Start work': 'Begin', 'Back to pending': 'Return to the pile', 'Put on hold': 'Park it', Resume: 'Unpark' });

  const refreshed = await office.get(`/queues/pending/changes?seq=${polledWith}`, { 'hx-request': 'true' });
  t.equal(refreshed.statusCode, 200, 'an open page refreshes after the edit, though no item moved');
  t.match(refreshed.body, />Begin</, 'with the buttons as they are now called');
  const pending = await office.get('/queues/pending');
  t.match(pending.body, />Begin</, 'the queue shows the new label at once (the workflow was re-read)');
  t.notMatch(pending.body, />Start work</);
  const begun = await office.post(`/items/${letters}/transitions`, { version: '1', from: 'pending', to: 'in_progress', queue: 'pending' }, { htmx: true });
  t.equal(begun.statusCode, 200);

  const wip = await office.get('/queues/wip');
  t.match(wip.body, /value="intent:built" class="compact">Ready for the customer</, 'the BUILT move is found by its intent, whatever it is called');
  t.match(wip.body, /class="compact secondary outline">Return to the pile</, 'a step back still looks like one');
  const built = await office.post(`/items/${letters}/transitions`, { version: '2', from: 'in_progress', to: 'intent:built', fulfillmentMethod: 'installation', queue: 'wip' }, { htmx: true });
  t.equal(built.statusCode, 200);
  t.same(await statusOf(db, letters), { status: 'awaiting_installation', version: 3 }, 'BUILT into the installation queue');
  const bulkChoices = (await office.get('/queues/wip')).body;
  t.notMatch(bulkChoices, /Mark BUILT/, 'the old label is gone everywhere');

  const itemPage = await office.get(`/items/${yard}`);
  t.match(itemPage.body, /<h3>Begin<\/h3>/, 'the item page lists the renamed move');

  // The kiosk finds Start, BUILT, hold and resume by intent too.
  const kioskId = await createStation(db, shop.admin.id);
  const tablet = await enrolTablet(app, db, shop.admin.id, kioskId);
  const pin = await givePin(db, shop.production.id);
  await tablet.home();
  await tablet.signIn(shop.production.id, pin);
  const started = await tablet.post(`/kiosk/items/${yard}/start`, { status: 'pending', version: '1' });
  t.equal(started.statusCode, 200);
  t.match(started.body, /is now in work/);
  const held = await tablet.post(`/kiosk/items/${yard}/hold`, { status: 'in_progress', version: '2', reason: 'Machine down' });
  t.equal(held.statusCode, 200);
  t.same(await statusOf(db, yard), { status: 'on_hold', version: 3 });
  const resumed = await tablet.post(`/kiosk/items/${yard}/resume`, { status: 'on_hold', version: '3' });
  t.equal(resumed.statusCode, 200);
  t.match(resumed.body, /is back in Work in progress/);
  const card = await tablet.get(`/kiosk/items/${yard}`);
  t.match(card.body, /Ready for the customer · Customer pickup \(as ordered\)/, 'the BUILT buttons carry the renamed move');
  t.notMatch(card.body, /Mark BUILT/);
  const kioskBuilt = await tablet.post(`/kiosk/items/${yard}/built`, { status: 'in_progress', version: '4', fulfillmentMethod: 'pickup' });
  t.equal(kioskBuilt.statusCode, 200);
  t.match(kioskBuilt.body, /is BUILT · awaiting customer pickup/);
  const events = await db.selectFrom('events').select(['particulars']).where('subject_type', '=', 'line_item').where('subject_id', '=', yard).where('action', '=', 'status-changed').orderBy('id').execute();
  t.same(
    events.map((e) => [(e.particulars as { transition: string }).transition, (e.particulars as { intent: string }).intent]),
    [['Begin', 'start'], ['Park it', 'hold'], ['Unpark', 'resume'], ['Ready for the customer', 'built']],
    'history keeps the label the person saw, and the intent',
  );
});
