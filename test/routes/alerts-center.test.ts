import { sql } from 'kysely';
import t from 'tap';
import type { Db } from '../../src/db/database.js';
import { sweepAlerts } from '../../src/alerts/sweep.js';
import { lineItemWorkflow } from '../../src/line-items/subject.js';
import { tellOwnersOfNewAlerts, sendQueueDigests } from '../../src/notifications/alerts.js';
import { recordJobFailure, recordJobSuccess } from '../../src/ops/job-runs.js';
import { loadWorkflow } from '../../src/workflow/definition.js';
import { transition } from '../../src/workflow/engine.js';
import { buildTestApp, Client, signedInClient, type TestApp, textOf } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';


async function sweep({ app, db }: Pick<TestApp, 'app' | 'db'>, now = new Date()) {
  const [workflow, clock, history] = await Promise.all([loadWorkflow(db, lineItemWorkflow), app.shopClock.get(), app.durations.lookup()]);
  return sweepAlerts(db, { workflow, clock, history, now }, tellOwnersOfNewAlerts);
}

async function openAlerts(db: Db) {
  return db.selectFrom('shop_alerts').select(['id', 'kind', 'line_item_id as itemId', 'version', 'dedupe_key as key']).where('cleared_at', 'is', null).orderBy('id').execute();
}

/** An item of a new order that entered its status `days` calendar days ago. */
async function itemWaiting(db: Db, shop: Awaited<ReturnType<typeof seedShop>>, days: number, fields: { description?: string; dueDate?: string } = {}) {
  const order = await placeOrder(db, shop, [{ description: fields.description ?? 'Pylon sign', dueDate: fields.dueDate ?? '' }]);
  const item = order.items[0]!;
  await sql`update line_items set created_at = now() - make_interval(days => ${days}), status_entered_at = now() - make_interval(days => ${days}) where id = ${item.id}`.execute(db);
  return { ...item, orderId: order.id, orderNumber: order.number };
}

t.test('a late item is one alert however often the sweep sees it, its owners are told once, and it clears when the item moves on', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const late = await itemWaiting(db, shop, 10);
  await itemWaiting(db, shop, 0, { description: 'Fresh banner' });

  const raised = await sweep({ app, db });
  t.same(raised?.map((alert) => alert.kind), ['late'], 'only the item past Pending’s 2 working days');
  t.same(await sweep({ app, db }), [], 'a second sweep raises nothing new');
  const open = await openAlerts(db);
  t.equal(open.length, 1, 'de-duplicated: one open alert');
  t.equal(open[0]!.itemId, late.id);

  const told = await db.selectFrom('alerts').select(['user_id', 'message']).where('kind', '=', 'shop-alerts').execute();
  t.ok(told.some((row) => row.user_id === shop.production.id), 'Production owns Pending by role, and is told');
  t.notOk(told.some((row) => row.user_id === shop.sales.id), 'sales does not own Pending');
  t.match(told[0]!.message, /^1 new alert in Pending: 1 late\.$/);

  const production = new Client(app);
  await production.signIn((await db.selectFrom('users').select('email').where('id', '=', shop.production.id).executeTakeFirstOrThrow()).email);
  const page = await production.get('/alerts?mine=1');
  t.equal(page.statusCode, 200);
  const text = textOf(page.body);
  t.match(text, /Needs attention 1/);
  t.match(text, new RegExp(`Late ${late.orderNumber} · 1/1 Pylon sign since`));
  t.match(text, /Late in Pending: \d+ d( \d+ h)? of working time there so far\./);
  t.match(page.body, new RegExp(`href="/items/${late.id}"`), 'the alert links to the item');
  t.match(text, /1 new alert in Pending: 1 late\./, 'the message for this person is on the same page');
  t.match((await production.get('/')).body, /id="unread-alerts">1</, 'and counted in the navigation');
  t.match(textOf((await production.get('/monitoring')).body), /1 Alerts needing attention 1 late/, 'the dashboard counts open alerts');

  const started = await transition(db, { type: 'line_item', id: late.id }, { userId: shop.production.id, roles: ['production'] }, { expectedVersion: late.version, to: { intent: 'start' } });
  t.ok(started.version > late.version);
  await sweep({ app, db });
  t.same(await openAlerts(db), [], 'the item moved on: the alert cleared');
  t.match(textOf((await production.get('/alerts?view=cleared')).body), /Cleared .*: the condition ended\./, 'and is listed among the cleared');
  t.match(textOf((await production.get('/alerts')).body), /Nothing needs attention\./);
});

t.test('acknowledging and snoozing need a reason, keep the input on a mistake, and a stale answer is a conflict', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  await itemWaiting(db, shop, 10);
  await sweep({ app, db });
  const [alert] = await openAlerts(db);
  const { client } = await signedInClient(app, db, ['production']);

  const noReason = await client.post(`/alerts/${alert!.id}/answer`, { version: String(alert!.version), action: 'acknowledge', reason: '  ', until: 'next-day' });
  t.equal(noReason.statusCode, 422);
  t.match(noReason.body, new RegExp(`id="reason-${alert!.id}-error" class="field-error">Say why, so the others know what is being done\\.`), 'the message is beside the field');

  const badUntil = await client.post(`/alerts/${alert!.id}/answer`, { version: String(alert!.version), action: 'snooze', reason: 'Router down', until: 'forever' });
  t.equal(badUntil.statusCode, 422);
  t.match(badUntil.body, /Choose how long to snooze it for\./);
  t.match(badUntil.body, new RegExp(`id="reason-${alert!.id}"[^>]*value="Router down"`), 'what was typed is kept');

  const snoozed = await client.post(`/alerts/${alert!.id}/answer`, { version: String(alert!.version), action: 'snooze', reason: 'Router down until Monday', until: '4h' });
  t.equal(snoozed.statusCode, 303);
  const row = await db.selectFrom('shop_alerts').selectAll().where('id', '=', alert!.id).executeTakeFirstOrThrow();
  t.equal(row.answer_reason, 'Router down until Monday');
  t.ok(row.snoozed_until && Math.abs(row.snoozed_until.getTime() - Date.now() - 4 * 3_600_000) < 60_000, 'snoozed four hours');
  t.match(textOf((await client.get('/alerts')).body), /Needs attention 0 .*Snoozed 1/, 'out of the open list');
  t.match(textOf((await client.get('/alerts?view=snoozed')).body), /Snoozed by .* until .*: “Router down until Monday”/);

  const stale = await client.post(`/alerts/${alert!.id}/answer`, { version: String(alert!.version), action: 'acknowledge', reason: 'On it' });
  t.equal(stale.statusCode, 409, 'an answer from a page opened before the snooze');
  t.match(textOf(stale.body), /Someone else answered this alert/);
  t.match(stale.body, /value="On it"/, 'the typed reason is kept to answer again');

  await sweep({ app, db }, new Date(Date.now() + 5 * 3_600_000));
  t.equal((await openAlerts(db)).length, 1, 'a snooze does not make a sweep raise it again');
  const reopened = await client.post(`/alerts/${alert!.id}/answer`, { version: String(row.version), action: 'reopen' });
  t.equal(reopened.statusCode, 303);
  const version = (await openAlerts(db))[0]!.version;
  t.equal((await client.post(`/alerts/${alert!.id}/answer`, { version: String(version), action: 'acknowledge', reason: 'Rush job tomorrow' })).statusCode, 303);
  t.match(textOf((await client.get('/alerts?view=acknowledged')).body), /Acknowledged by .*: “Rush job tomorrow”/);

  t.equal((await client.post('/alerts/999999/answer', { version: '1', action: 'reopen' })).statusCode, 404, 'a guessed id is a 404');
  t.equal((await client.get('/alerts?view=everything')).statusCode, 400, 'an unknown view is refused by the schema');
});

t.test('waiting on the customer, quality holds, and forecasts that miss the due date', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const actor = { userId: shop.admin.id, roles: ['admin'] };
  const pickup = await itemWaiting(db, shop, 0, { description: 'Window lettering' });
  const built = await transition(db, { type: 'line_item', id: pickup.id }, actor, { expectedVersion: pickup.version, to: { intent: 'start' } });
  await transition(db, { type: 'line_item', id: pickup.id }, actor, { expectedVersion: built.version, to: { intent: 'built' }, input: { fulfillmentMethod: 'pickup' } });
  // Longer than the pickup's expected wait in working days, whatever weekday the test runs on.
  await sql`update line_items set status_entered_at = now() - interval '8 days' where id = ${pickup.id}`.execute(db);

  const held = await itemWaiting(db, shop, 0, { description: 'Dibond panel' });
  await sql`update workflow_statuses set quality_hold = true where key = 'on_hold'`.execute(db);
  await transition(db, { type: 'line_item', id: held.id }, actor, { expectedVersion: held.version, to: { intent: 'hold' }, input: { reason: 'Scratched face' } });

  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const overdue = await itemWaiting(db, shop, 0, { description: 'Menu board', dueDate: yesterday });

  const raised = await sweep({ app, db });
  const kinds = (await openAlerts(db)).map((alert) => `${alert.kind}:${alert.itemId}`).sort();
  t.same(kinds, [`forecast_late:${overdue.id}`, `quality_hold:${held.id}`, `waiting_on_customer:${pickup.id}`].sort());
  t.equal(raised?.length, 3);

  const { client: sales } = await signedInClient(app, db, ['sales']);
  const text = textOf((await sales.get('/alerts')).body);
  t.match(text, /Waiting on customer .*Window lettering for Rosa Diaz .*Waiting on the customer in BUILT · awaiting customer pickup for 8 days/);
  t.match(text, /Quality flag .*Dibond panel .*Held for a quality problem in On hold\./);
  t.match(text, /Will miss due date .*Menu board .*Due .*, but at the shop’s pace it is likely done/);

  const customerPage = textOf((await sales.get(`/customers/${shop.customerId}`)).body);
  t.match(customerPage, /Waiting on this customer/);
  t.match(customerPage, new RegExp(`${pickup.orderNumber} · 1/1 Window lettering ?: BUILT · awaiting customer pickup for 8 days`), 'blocked-on-customer shows on the customer’s page');

  await db.updateTable('line_items').set({ due_date: '2099-01-01' }).where('id', '=', overdue.id).execute();
  await sweep({ app, db });
  t.notOk((await openAlerts(db)).some((alert) => alert.kind === 'forecast_late'), 'a new due date the forecast meets clears it');
});

t.test('failed emails and failing jobs are errors that only admins see', async (t) => {
  const { app, db } = await buildTestApp(t);
  await seedShop(db);
  const mail = await db
    .insertInto('outbox')
    .values({ idempotency_key: 'test:failed', template: 'welcome', to_address: 'nobody@example.test', status: 'failed', subject: 'Your account', last_error: '550 No such user' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordJobFailure(db, 'customer-updates', new Error('connection refused'));
  await recordJobFailure(db, 'customer-updates', new Error('connection refused again'));
  await sweep({ app, db });
  const open = await openAlerts(db);
  t.same(open.map((alert) => alert.kind).sort(), ['job_failed', 'mail_failed'], 'one alert per failing job, not per failure');
  const admins = await db.selectFrom('alerts').select('message').where('kind', '=', 'shop-alerts').execute();
  t.ok(admins.length > 0 && admins.every((row) => /new errors in Alerts: 1 email failed, 1 job failing\./.test(row.message)), 'admins are told');

  const { client: admin } = await signedInClient(app, db, ['admin']);
  const text = textOf((await admin.get('/alerts')).body);
  t.match(text, /Email failed Email to nobody@example\.test .*“Your account” could not be sent: 550 No such user\./);
  t.match(text, /Job failing Scheduled job “customer-updates” .*connection refused again/);
  t.match((await admin.get('/alerts')).body, new RegExp(`href="/admin/mailbox/${mail.id}"`));

  const { client: production } = await signedInClient(app, db, ['production']);
  t.notMatch((await production.get('/alerts')).body, /nobody@example\.test/, 'production does not see errors');
  t.equal((await production.post(`/alerts/${open[0]!.id}/answer`, { version: '1', action: 'reopen' })).statusCode, 404, 'nor answer them');
  const { client: installer } = await signedInClient(app, db, ['installer']);
  const installerPage = await installer.get('/alerts');
  t.equal(installerPage.statusCode, 200, 'an installer still has messages');
  t.notMatch(installerPage.body, /Needs attention/, 'but no shop alerts');

  await db.updateTable('outbox').set({ status: 'sent' }).where('id', '=', mail.id).execute();
  await recordJobSuccess(db, 'customer-updates');
  await sweep({ app, db });
  t.same(await openAlerts(db), [], 'sent again and succeeding: both clear');
});

t.test('the digest carries the open alerts of the queues a person owns', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  await itemWaiting(db, shop, 10);
  await sweep({ app, db });
  await db.updateTable('users').set({ queue_digest: 'daily' }).where('id', '=', shop.production.id).execute();
  await sql`update line_items set status_entered_at = now() - interval '10 days'`.execute(db);
  t.equal(await sendQueueDigests(db, { now: new Date(), timeZone: 'America/Chicago' }), 1, 'sent though nothing arrived since yesterday');
  const digest = await db.selectFrom('outbox').select('data').where('template', '=', 'queue-digest').executeTakeFirstOrThrow();
  t.same((digest.data as { openAlerts: unknown }).openAlerts, [{ label: 'Late', count: 1 }]);
});
