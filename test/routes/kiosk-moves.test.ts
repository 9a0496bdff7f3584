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
