import t from 'tap';
import type { Db } from '../../src/db/database.js';
import { buildTestApp } from '../helpers/app.js';
import { createStation, enrolTablet, givePin } from '../helpers/kiosk.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

const itemNow = (db: Db, id: number) => db.selectFrom('line_items').select(['status', 'version']).where('id', '=', id).executeTakeFirstOrThrow();
const runningClocks = async (db: Db, id: number) => (await db.selectFrom('work_logs').select('id').where('line_item_id', '=', id).where('ended_at', 'is', null).execute()).length;

t.test('the kiosk’s other moves: offered by the workflow, checked against the item as it is, clocks stop as it leaves', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Acrylic panel', fulfillmentMethod: 'pickup' }]);
  const itemId = order.items[0]!.id;
  const tablet = await enrolTablet(app, db, shop.admin.id, await createStation(db, shop.admin.id));
  await tablet.signIn(shop.production.id, await givePin(db, shop.production.id));

  const started = await tablet.post(`/kiosk/items/${itemId}/start`, { status: 'pending', version: '1' });
  t.equal(started.statusCode, 200);
  t.equal(await runningClocks(db, itemId), 1, 'the worker’s clock runs');
  t.match(started.body, /name="to" value="pending"><button type="submit" class="secondary outline">Back to pending</, 'the workflow’s step back is offered as a button');

  for (const [to, why] of [['cancelled', 'cancelling is the office’s decision'], ['awaiting_pickup', 'BUILT has its own button, which asks how the customer gets it'], ['picked_up', 'not a move from where the item is']] as const) {
    const forged = await tablet.post(`/kiosk/items/${itemId}/move`, { status: 'in_progress', version: '2', to, reason: 'x' });
    t.equal(forged.statusCode, 422, `a forged move to ${to} is refused: ${why}`);
  }
  const lying = await tablet.post(`/kiosk/items/${itemId}/move`, { status: 'on_hold', version: '2', to: 'pending' });
  t.equal(lying.statusCode, 200, 'what the tablet says the status is does not matter: the item as locked decides');
  t.same(await itemNow(db, itemId), { status: 'pending', version: 3 }, 'back to pending');
  t.equal(await runningClocks(db, itemId), 0, 'and the clock stopped as it left work');
  const stopped = await db.selectFrom('events').select('action').where('subject_type', '=', 'line_item').where('subject_id', '=', itemId).where('action', '=', 'work-stopped').execute();
  t.equal(stopped.length, 1, 'the history says whose clock stopped');
});

t.test('a quality problem tapped at the kiosk goes to the quality hold status, when the workflow has one', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const { addStatus, readWorkflow } = await import('../../src/workflow-editor/editor.js');
  const workflow = (await readWorkflow(db, 'production'))!;
  await addStatus(db, { userId: shop.admin.id }, 'production', {
    key: 'quality_hold', label: 'Quality hold', customerLabel: 'On hold', queueKey: 'on_hold', kind: 'hold', expectedAmount: '', expectedUnit: 'hours', waitsOn: 'shop',
    customerEmail: '', customerMessage: '', alertRoles: [], qualityHold: true, initial: false, fulfillmentMethod: '', after: 'in_progress', onTo: 'pending', replaceDirect: false, holdAndCancel: false,
  }, workflow.revision);
  const stored = await db.selectFrom('workflow_statuses').select(['kind', 'quality_hold']).where('key', '=', 'quality_hold').executeTakeFirstOrThrow();
  t.same(stored, { kind: 'hold', quality_hold: true }, 'the editor keeps the flag on a hold status');
  const order = await placeOrder(db, shop, [{ description: 'Dibond panel' }, { description: 'Vinyl banner' }]);
  const [scratched, waiting] = order.items.map((item) => item.id) as [number, number];
  const tablet = await enrolTablet(app, db, shop.admin.id, await createStation(db, shop.admin.id));
  await tablet.signIn(shop.production.id, await givePin(db, shop.production.id));
  for (const itemId of [scratched, waiting]) t.equal((await tablet.post(`/kiosk/items/${itemId}/start`, { status: 'pending', version: '1' })).statusCode, 200);
  const page = await tablet.post(`/kiosk/items/${scratched}/hold`, { status: 'in_progress', version: '2', reason: 'Quality problem', quality: 'yes' });
  t.equal(page.statusCode, 200);
  t.match((await itemNow(db, scratched)).status, 'quality_hold', 'the quality problem went to the quality hold');
  await tablet.post(`/kiosk/items/${waiting}/hold`, { status: 'in_progress', version: '2', reason: 'Missing material' });
  t.match((await itemNow(db, waiting)).status, 'on_hold', 'any other reason to the ordinary hold');
});
