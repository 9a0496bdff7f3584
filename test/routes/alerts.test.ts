import { sql } from 'kysely';
import t from 'tap';
import { sendQueueDigests } from '../../src/notifications/alerts.js';
import { buildTestApp, Client, signedInClient } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

t.test('the salesperson sees “collect payment” alerts in the app, with an unread count', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ unitPrice: '500' }]);
  const { client: production } = await signedInClient(app, db, ['production']);
  const id = order.items[0]!.id;
  await production.post(`/items/${id}/transitions`, { version: '1', from: 'pending', to: 'in_progress' });
  await production.post(`/items/${id}/transitions`, { version: '2', from: 'in_progress', to: 'intent:built', fulfillmentMethod: 'pickup' });
  await production.post(`/items/${id}/transitions`, { version: '3', from: 'awaiting_pickup', to: 'picked_up' });

  const sales = new Client(app);
  await sales.signIn(shop.sales.email);
  const home = await sales.get('/');
  t.match(home.body, /Alerts <span class="new-count" id="unread-alerts">1<\/span>/, 'the navigation counts unread alerts');
  const alerts = await sales.get('/alerts');
  t.match(alerts.body, new RegExp(`class="unread">[\\s\\S]*Order ${order.number} is complete[\\s\\S]*Order total \\$500\\.00`));
  await sales.post('/alerts/read');
  t.notMatch((await sales.get('/')).body, /id="unread-alerts"/, 'read alerts no longer count');
  t.match((await production.get('/alerts')).body, /No alerts\./, 'others are not told');
});

t.test('queue ownership and digests are each person’s choice', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const { client, user } = await signedInClient(app, db, ['production']);
  const prefs = await client.get('/account/notifications');
  t.match(prefs.body, /value="pending" checked/, 'production owns Pending by role');
  t.notMatch(prefs.body, /value="awaiting_pickup" checked/);

  const saved = await client.post('/account/notifications', { queues: ['wip', 'awaiting_pickup'], digest: 'hourly', alertEmails: '1' });
  t.equal(saved.statusCode, 303);
  const prefsAfter = await client.get('/account/notifications');
  t.notMatch(prefsAfter.body, /value="pending" checked/, 'opted out of Pending');
  t.match(prefsAfter.body, /value="awaiting_pickup" checked/, 'opted in to pickup');
  t.match(prefsAfter.body, /value="hourly" selected/);
  t.equal((await client.post('/account/notifications', { digest: 'weekly' })).statusCode, 422);

  await db.updateTable('users').set({ queue_digest_slot: sql<Date>`now() - interval '2 hours'` }).where('id', '=', user.id).execute();
  const order = await placeOrder(db, shop, [{}, {}]);
  await client.post(`/items/${order.items[0]!.id}/transitions`, { version: '1', from: 'pending', to: 'in_progress' });
  const nav = await client.get('/account');
  t.match(nav.body, /Work in progress <span class="count">1<\/span> <span class="new-count"/, 'new items show in owned queues');
  t.notMatch(nav.body, /Pending <span class="count">1<\/span> <span class="new-count"/, 'not in queues opted out of');

  // The next hour's run counts what arrived during this hour.
  const nextHour = { now: new Date(Date.now() + 3600_000), timeZone: 'America/Chicago' };
  t.equal(await sendQueueDigests(db, nextHour), 1, 'one digest is due');
  t.equal(await sendQueueDigests(db, nextHour), 0, 'and not again within the hour');
  const mail = await db.selectFrom('outbox').selectAll().where('template', '=', 'queue-digest').executeTakeFirstOrThrow();
  t.equal(mail.to_address, (await db.selectFrom('users').select('email').where('id', '=', user.id).executeTakeFirstOrThrow()).email);
  const queues = (mail.data as { queues: { key: string; arrived: number }[] }).queues;
  t.same(queues.map((q) => [q.key, q.arrived]), [['wip', 1]], 'only owned queues with arrivals');

  await db.updateTable('line_items').set({ status_entered_at: sql<Date>`now() - interval '3 hours'` }).execute();
  await db.updateTable('users').set({ queue_digest_slot: sql<Date>`now() - interval '2 hours'` }).where('id', '=', user.id).execute();
  t.equal(await sendQueueDigests(db, nextHour), 0, 'nothing arrived since the last digest: no email');
});
