import { sql } from 'kysely';
import t from 'tap';
import { freshDatabase } from '../helpers/database.js';
import type { Db } from '../../src/db/database.js';
import { createTransport, deliverDueMail } from '../../src/mail/sender.js';
import { sendCustomerUpdates } from '../../src/notifications/customer-updates.js';
import { trackingTemplates, trackingUrl } from '../../src/carriers/carriers.js';
import { transition } from '../../src/workflow/engine.js';
import { buildTestApp, Client } from '../helpers/app.js';
import { placeOrder, seedShop, type Shop } from '../helpers/shop.js';
import { startSmtpPeer } from '../helpers/smtp.js';

async function move(db: Db, shop: Shop, itemId: number, toStatus: string, extra: Record<string, string> = {}) {
  const item = await db.selectFrom('line_items').select('version').where('id', '=', itemId).executeTakeFirstOrThrow();
  return transition(db, { type: 'line_item', id: itemId }, { userId: shop.admin.id, roles: ['admin'] }, { expectedVersion: item.version, to: toStatus, input: extra });
}

async function build(db: Db, shop: Shop, itemId: number, method: string) {
  await move(db, shop, itemId, 'in_progress');
  await move(db, shop, itemId, `awaiting_${method}`, { fulfillmentMethod: method });
}

async function setup(t: Parameters<typeof buildTestApp>[0]) {
  const smtp = await startSmtpPeer(t);
  const { app, db } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  const shop = await seedShop(db);
  await db.updateTable('shop_settings').set({ shop_name: 'Acme Signs', customer_email_delay_seconds: 0 }).execute();
  const deliver = () => deliverDueMail(db, { transport: createTransport(smtp.url), from: 'Acme Signs <orders@acme.test>', baseUrl: 'http://traveler.test' });
  return { app, db, shop, smtp, deliver };
}

t.test('several items of one order changing together make one email, with a status link', async (t) => {
  const { app, db, shop, smtp, deliver } = await setup(t);
  const order = await placeOrder(db, shop, [
    { description: 'Lobby sign', fulfillmentMethod: 'installation' },
    { description: 'Window vinyl', fulfillmentMethod: 'pickup' },
    { description: 'Yard signs', fulfillmentMethod: 'shipping' },
    { description: 'Banner', fulfillmentMethod: 'delivery' },
  ]);
  const [lobby, vinyl, yard, banner] = order.items.map((i) => i.id) as [number, number, number, number];
  await move(db, shop, banner, 'in_progress');
  t.equal((await db.selectFrom('customer_updates').select('id').execute()).length, 0, 'starting work tells the customer nothing');
  for (const [id, method] of [[lobby, 'installation'], [vinyl, 'pickup'], [yard, 'shipping']] as const) await build(db, shop, id, method);

  t.equal(await sendCustomerUpdates(db), 1, 'one email for three items');
  t.equal(await sendCustomerUpdates(db), 0, 'and only once');
  await deliver();
  const [mail] = await smtp.waitFor(1);
  t.equal(mail!.to && !Array.isArray(mail!.to) ? mail!.to.text : '', 'rosa@diazbakery.test');
  t.equal(mail!.subject, `Acme Signs: updates on 3 items of your order ${order.number}`);
  const text = mail!.text ?? '';
  t.match(text, /Lobby sign[\s\S]*Built, installation being scheduled[\s\S]*We will contact you to schedule the installation\./);
  t.match(text, /Window vinyl[\s\S]*Ready for pickup[\s\S]*Bring your order number when you come to pick it up\./);
  t.match(text, /Yard signs[\s\S]*Built, ships soon/);
  t.notMatch(text, /Banner/, 'items that did not change are not in the email');

  const link = text.match(/http:\/\/traveler\.test(\/status\/[A-Za-z0-9_-]{40,})/);
  t.ok(link, 'the email links to the order status page');
  const page = await new Client(app).get(link![1]!);
  t.equal(page.statusCode, 200, 'no sign-in needed');
  t.match(page.body, new RegExp(`Your order ${order.number}`));
  t.match(page.body, /Banner[\s\S]*In production/, 'the page shows every item of the order');
  t.match(page.body, /Lobby sign[\s\S]*Built, installation being scheduled/);
  t.notMatch(page.body, /Sign out|href="\/queues/, 'nothing of the shop’s inside');
  t.equal(page.headers['cache-control'], 'no-store');

  await move(db, shop, yard, 'shipped', { carrier: 'UPS', tracking: '1Z999AA10123456784' });
  await move(db, shop, vinyl, 'picked_up');
  t.equal(await sendCustomerUpdates(db), 1);
  await deliver();
  const [, second] = await smtp.waitFor(2);
  t.match(second!.text ?? '', /Yard signs[\s\S]*Shipped[\s\S]*Tracking \(UPS\)/);
  t.match(String(second!.html), /href="https:\/\/www\.ups\.com\/track\?tracknum=1Z999AA10123456784"/, 'a tracking link the customer can follow');
  const refreshed = await new Client(app).get(link![1]!);
  t.match(refreshed.body, /href="https:\/\/www\.ups\.com\/track\?tracknum=1Z999AA10123456784"/, 'the status page shows tracking too');
});

t.test('the shop switch, the customer’s opt-out and a muted order each stop the emails', async (t) => {
  const { db, shop } = await setup(t);
  const builtOnce = async (fields: { customerId?: number } = {}) => {
    const order = await placeOrder(db, shop, [{}], fields);
    await build(db, shop, order.items[0]!.id, 'pickup');
    return order;
  };

  await db.updateTable('shop_settings').set({ customer_emails_enabled: false }).execute();
  await builtOnce();
  t.equal(await sendCustomerUpdates(db), 0, 'shop switch off: nothing');
  await db.updateTable('shop_settings').set({ customer_emails_enabled: true }).execute();

  await db.updateTable('customers').set({ email_updates: false }).where('id', '=', shop.customerId).execute();
  await builtOnce();
  t.equal(await sendCustomerUpdates(db), 0, 'customer opted out: nothing');
  await db.updateTable('customers').set({ email_updates: true }).where('id', '=', shop.customerId).execute();

  const muted = await placeOrder(db, shop, [{}]);
  await db.updateTable('orders').set({ customer_emails_muted: true }).where('id', '=', muted.id).execute();
  await build(db, shop, muted.items[0]!.id, 'pickup');
  t.equal(await sendCustomerUpdates(db), 0, 'order muted: nothing');

  await builtOnce();
  await db.updateTable('shop_settings').set({ customer_emails_enabled: false }).execute();
  t.equal(await sendCustomerUpdates(db), 0, 'switching off also stops what was waiting');
  await db.updateTable('shop_settings').set({ customer_emails_enabled: true }).execute();

  await builtOnce();
  t.equal(await sendCustomerUpdates(db), 1, 'with everything on, the email goes');
  t.equal((await db.selectFrom('outbox').select('id').where('template', '=', 'order-update').execute()).length, 1);
});

t.test('updates wait for the batching window to be quiet', async (t) => {
  const { db, shop } = await setup(t);
  await db.updateTable('shop_settings').set({ customer_email_delay_seconds: 120 }).execute();
  const order = await placeOrder(db, shop, [{}, {}]);
  await build(db, shop, order.items[0]!.id, 'pickup');
  t.equal(await sendCustomerUpdates(db), 0, 'too fresh: more items may follow');
  await db.updateTable('customer_updates').set({ created_at: sql<Date>`now() - interval '3 minutes'` }).execute();
  await build(db, shop, order.items[1]!.id, 'pickup');
  t.equal(await sendCustomerUpdates(db), 0, 'another change restarted the wait');
  await db.updateTable('customer_updates').set({ created_at: sql<Date>`now() - interval '3 minutes'` }).execute();
  t.equal(await sendCustomerUpdates(db), 1, 'quiet for the window: one email for both');
  const mail = await db.selectFrom('outbox').select('data').where('template', '=', 'order-update').executeTakeFirstOrThrow();
  t.equal((mail.data as { items: unknown[] }).items.length, 2);
});

t.test('a bad or expired status link shows a clear page and nothing of the order', async (t) => {
  const { app, db, shop } = await setup(t);
  const order = await placeOrder(db, shop, [{ description: 'Secret project' }]);
  await build(db, shop, order.items[0]!.id, 'pickup');
  await sendCustomerUpdates(db);
  const mail = await db.selectFrom('outbox').select('data').where('template', '=', 'order-update').executeTakeFirstOrThrow();
  const path = (mail.data as { statusPath: string }).statusPath;
  const client = new Client(app);
  t.equal((await client.get(path)).statusCode, 200);

  const bad = await client.get('/status/not-a-real-token-at-all-xxxxxxxxxxxxxxxxxxxxxxxx');
  t.equal(bad.statusCode, 404);
  t.match(bad.body, /This link is not valid/, 'a made-up link is not called expired');
  t.notMatch(bad.body, /Secret project/);

  await db.updateTable('access_tokens').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('purpose', '=', 'order-status').execute();
  const expired = await client.get(path);
  t.equal(expired.statusCode, 410, 'an expired link no longer works');
  t.match(expired.body, /This link has expired/);
  t.notMatch(expired.body, /Secret project/);

  const { token } = await import('../../src/platform/tokens.js').then((m) => m.issueToken(db, { purpose: 'password-reset', subjectType: 'order', subjectId: order.id, lifetimeMs: 60_000, createdBy: null }));
  t.equal((await client.get(`/status/${token}`)).statusCode, 404, 'a token for another purpose opens nothing here');
});

t.test('tracking links from the carriers’ templates', async (t) => {
  const { db } = await freshDatabase(t);
  const templates = await trackingTemplates(db);
  t.equal(trackingUrl(templates, 'UPS', '1Z 999'), 'https://www.ups.com/track?tracknum=1Z%20999');
  t.equal(trackingUrl(templates, ' fedex ', '123'), 'https://www.fedex.com/fedextrack/?trknbr=123', 'the carrier as typed, any case');
  t.equal(trackingUrl(templates, 'Local courier', 'https://courier.example/t/9'), 'https://courier.example/t/9');
  t.equal(trackingUrl(templates, 'Local courier', 'ABC'), null, 'unknown carrier and no link: the number alone');
  t.equal(trackingUrl(templates, 'UPS', 'a&b=<c>'), 'https://www.ups.com/track?tracknum=a%26b%3D%3Cc%3E', 'the number cannot add to the link');
  t.equal(trackingUrl(templates, null, null), null);
});

t.test('a status an admin added emails the customer in its own words, without the BUILT notes', async (t) => {
  const { db, shop, smtp, deliver } = await setup(t);
  await db.insertInto('queues').values({ workflow: 'production', key: 'proof', label: 'Proof approval', position: 8, owner_roles: ['sales'] }).execute();
  await db
    .insertInto('workflow_statuses')
    .values({ workflow: 'production', key: 'proof_approval', label: 'Proof approval', customer_label: 'Waiting for your proof approval', queue_key: 'proof', kind: 'open', position: 2, expected_minutes: null, customer_email: 'item-update', fulfillment_method: null, waits_on: 'customer' })
    .execute();
  await db.insertInto('workflow_transitions').values({ workflow: 'production', from_status: 'pending', to_status: 'proof_approval', label: 'Send the proof', intent: 'advance', roles: ['admin'], requires: [] }).execute();
  const order = await placeOrder(db, shop, [{ description: 'Lobby sign', fulfillmentMethod: 'installation' }]);
  await move(db, shop, order.items[0]!.id, 'proof_approval');
  t.equal(await sendCustomerUpdates(db), 1);
  await deliver();
  const [mail] = await smtp.waitFor(1);
  const text = mail!.text ?? '';
  t.match(text, /Lobby sign[\s\S]*Waiting for your proof approval/, 'the customer label of the new status');
  t.notMatch(text, /schedule the installation/, 'no BUILT note for a status that is not BUILT');
});

t.test('a status’s own message for the customer goes in the email under it', async (t) => {
  const { db, shop, smtp, deliver } = await setup(t);
  await db.updateTable('workflow_statuses').set({ customer_message: 'Open Monday to Friday, 8 to 5 <we close early on Fridays>.' }).where('key', '=', 'awaiting_pickup').execute();
  const order = await placeOrder(db, shop, [{ description: 'Window vinyl', fulfillmentMethod: 'pickup' }]);
  await build(db, shop, order.items[0]!.id, 'pickup');
  t.equal(await sendCustomerUpdates(db), 1);
  await deliver();
  const [mail] = await smtp.waitFor(1);
  t.match(mail!.text ?? '', /Window vinyl[\s\S]*Ready for pickup[\s\S]*Open Monday to Friday, 8 to 5 <we close early on Fridays>\./, 'the admin’s words replace the built-in note');
  t.notMatch(mail!.text ?? '', /Bring your order number/);
  t.match(String(mail!.html), /8 to 5 &lt;we close early on Fridays&gt;/, 'escaped in the HTML part');
});
