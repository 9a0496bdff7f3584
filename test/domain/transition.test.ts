import t from 'tap';
import type { Db } from '../../src/db/database.js';
import { HttpError, ValidationError } from '../../src/platform/errors.js';
import { SubjectConflictError, transition, type TransitionActor } from '../../src/workflow/engine.js';
import { foldQueueChanges, queueChangeSeq as changeSeqOf, queueCounts as countsOf } from '../../src/workflow/queue-changes.js';
import type { TransitionInput } from '../../src/workflow/subjects.js';
import { freshDatabase } from '../helpers/database.js';
import { placeOrder, seedShop, type Shop } from '../helpers/shop.js';

async function item(db: Db, id: number) {
  return db.selectFrom('line_items').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

const queueCounts = (db: Db) => countsOf(db, 'production');
const queueChangeSeq = (db: Db, queue: string) => changeSeqOf(db, 'production', queue);

function transitionItem(db: Db, actor: TransitionActor, { itemId, expectedVersion, toStatus, ...input }: { itemId: number; expectedVersion: number; toStatus: string } & TransitionInput) {
  return transition(db, { type: 'line_item', id: itemId }, actor, { expectedVersion, to: toStatus, input });
}

async function move(db: Db, who: { id: number; roles: readonly string[] }, itemId: number, toStatus: string, input: TransitionInput = {}) {
  const current = await item(db, itemId);
  return transitionItem(db, { userId: who.id, roles: who.roles }, { itemId, expectedVersion: current.version, toStatus, ...input });
}

async function storedAndActualCounts(db: Db) {
  const stored = await queueCounts(db);
  const actual = await db
    .selectFrom('line_items')
    .innerJoin('workflow_statuses', (join) => join.onRef('workflow_statuses.workflow', '=', 'line_items.workflow').onRef('workflow_statuses.key', '=', 'line_items.status'))
    .select(['workflow_statuses.queue_key', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workflow_statuses.queue_key', 'is not', null)
    .groupBy('workflow_statuses.queue_key')
    .execute();
  return { stored, actual: Object.fromEntries(actual.map((r) => [r.queue_key!, Number(r.n)])) };
}

async function setup(t: Parameters<typeof freshDatabase>[0]) {
  const { db } = await freshDatabase(t);
  const shop: Shop = await seedShop(db);
  return { db, shop };
}

t.test('the production path: each item moves on its own, with an event per change', async (t) => {
  const { db, shop } = await setup(t);
  const order = await placeOrder(db, shop, [{ description: 'Lobby sign', fulfillmentMethod: 'installation' }, { description: 'Window vinyl' }, { description: 'Yard signs', fulfillmentMethod: 'shipping' }, { description: 'Banner', fulfillmentMethod: 'delivery' }]);
  const [lobby, vinyl, yard, banner] = order.items.map((i) => i.id) as [number, number, number, number];
  t.same(order.items.map((i) => i.status), ['pending', 'pending', 'pending', 'pending']);
  t.equal((await storedAndActualCounts(db)).stored.pending, 4);

  const started = await move(db, shop.production, lobby, 'in_progress');
  t.same([started.from.queueKey, started.to.queueKey, started.label], ['pending', 'wip', `${order.number} · 1/4`]);
  const lobbyNow = await item(db, lobby);
  t.equal(lobbyNow.status, 'in_progress');
  t.equal(lobbyNow.version, 2);
  t.equal((await item(db, vinyl)).status, 'pending', 'the other items stay where they are');

  const events = await db.selectFrom('events').selectAll().where('subject_type', '=', 'line_item').where('subject_id', '=', lobby).execute();
  t.equal(events.length, 1);
  t.match(events[0], { actor_user_id: shop.production.id, action: 'status-changed', from_status: 'pending', to_status: 'in_progress' });
  t.match(events[0]!.particulars, { label: `${order.number} · 1/4`, transition: 'Start work' });

  const built = await move(db, shop.production, lobby, 'awaiting_installation', { fulfillmentMethod: 'installation' });
  t.equal(built.to.queueKey, 'awaiting_installation');
  await move(db, shop.fulfillment, lobby, 'installed');
  const installed = await item(db, lobby);
  t.equal(installed.status, 'installed');
  t.ok(installed.completed_at, 'completion time recorded');

  await move(db, shop.production, vinyl, 'in_progress');
  const changedMethod = await move(db, shop.production, vinyl, 'awaiting_delivery', { fulfillmentMethod: 'delivery' });
  t.equal(changedMethod.to.queueKey, 'awaiting_delivery', 'the method can be changed when marking BUILT');
  t.equal((await item(db, vinyl)).fulfillment_method, 'delivery');
  await move(db, shop.sales, vinyl, 'delivered');

  await move(db, shop.production, yard, 'in_progress');
  await move(db, shop.production, yard, 'awaiting_shipping', { fulfillmentMethod: 'shipping' });
  await move(db, shop.production, yard, 'shipped', { carrier: 'UPS', tracking: 'https://www.ups.com/track?tracknum=1Z999' });
  const shipped = await item(db, yard);
  t.same([shipped.carrier, shipped.tracking], ['UPS', 'https://www.ups.com/track?tracknum=1Z999']);

  await move(db, shop.production, banner, 'in_progress');
  await move(db, shop.production, banner, 'awaiting_pickup', { fulfillmentMethod: 'pickup' });
  await move(db, shop.fulfillment, banner, 'picked_up');

  const counts = await storedAndActualCounts(db);
  t.same(counts.stored, { awaiting_delivery: 0, awaiting_installation: 0, awaiting_pickup: 0, awaiting_shipping: 0, on_hold: 0, pending: 0, wip: 0 });
  t.same(counts.actual, {}, 'the stored counts match the items');
});

t.test('folding the waiting queue changes keeps every count and change number', async (t) => {
  const { db, shop } = await setup(t);
  const order = await placeOrder(db, shop, [{}, {}, {}]);
  await move(db, shop.production, order.items[0]!.id, 'in_progress');
  await move(db, shop.production, order.items[1]!.id, 'in_progress');
  await move(db, shop.production, order.items[1]!.id, 'on_hold', { reason: 'Waiting for paint' });
  const before = { counts: await queueCounts(db), pending: await queueChangeSeq(db, 'pending'), wip: await queueChangeSeq(db, 'wip') };
  t.same(before.counts, { awaiting_delivery: 0, awaiting_installation: 0, awaiting_pickup: 0, awaiting_shipping: 0, on_hold: 1, pending: 1, wip: 1 });
  // The items' creation and six moves, and the order's own creation and its move into production (two).
  t.equal(await foldQueueChanges(db), 10, 'every waiting change folded');
  t.equal((await db.selectFrom('queue_changes').select('id').execute()).length, 0);
  t.same(await queueCounts(db), before.counts, 'counts unchanged by the fold');
  t.equal(await queueChangeSeq(db, 'pending'), before.pending, 'change numbers unchanged by the fold');
  t.equal(await queueChangeSeq(db, 'wip'), before.wip);
  await move(db, shop.production, order.items[2]!.id, 'in_progress');
  t.equal(await queueChangeSeq(db, 'wip'), before.wip! + 1, 'the next change moves the number on');
  t.equal((await queueCounts(db)).wip, 2);
});

t.test('every refused transition says why and changes nothing', async (t) => {
  const { db, shop } = await setup(t);
  const order = await placeOrder(db, shop, [{}, {}]);
  const [first, second] = order.items.map((i) => i.id) as [number, number];

  const refusals: [string, () => Promise<unknown>, (error: unknown) => boolean][] = [
    ['pending cannot jump to picked up', () => move(db, shop.production, first, 'picked_up'), (e) => e instanceof HttpError && e.statusCode === 422 && /cannot go to “Picked up”/.test(e.message)],
    ['an unknown status', () => move(db, shop.production, first, 'teleported'), (e) => e instanceof HttpError && e.statusCode === 422],
    ['an installer cannot start work', () => move(db, shop.installer, first, 'in_progress'), (e) => e instanceof HttpError && e.statusCode === 403 && /for production staff/.test(e.message)],
    ['sales cannot start work', () => move(db, shop.sales, first, 'in_progress'), (e) => e instanceof HttpError && e.statusCode === 403],
    ['a hold needs a reason', () => move(db, shop.production, first, 'on_hold', { reason: '  ' }), (e) => e instanceof ValidationError && Boolean(e.fieldErrors.reason)],
    ['production cannot cancel', () => move(db, shop.production, first, 'cancelled', { reason: 'dup' }), (e) => e instanceof HttpError && e.statusCode === 403],
    ['cancelling needs a reason', () => move(db, shop.sales, first, 'cancelled'), (e) => e instanceof ValidationError && Boolean(e.fieldErrors.reason)],
    ['an item that does not exist', () => transitionItem(db, { userId: shop.admin.id, roles: ['admin'] }, { itemId: 999999, expectedVersion: 1, toStatus: 'in_progress' }), (e) => e instanceof HttpError && e.statusCode === 404],
  ];
  for (const [name, attempt, expected] of refusals) {
    const error = await attempt().then(() => undefined, (e: unknown) => e);
    t.ok(error && expected(error), name);
  }

  await move(db, shop.production, first, 'in_progress');
  const asOrdered = await move(db, shop.production, first, 'awaiting_shipping').then(() => undefined, (e: unknown) => e);
  t.ok(asOrdered instanceof ValidationError && asOrdered.fieldErrors.fulfillmentMethod, 'BUILT without a method is BUILT as ordered, so another queue is refused');
  const builtRefusals: [string, TransitionInput, string][] = [
    ['the method must be a real one', { fulfillmentMethod: 'teleport' }, 'fulfillmentMethod'],
    ['the method must match the queue', { fulfillmentMethod: 'shipping' }, 'fulfillmentMethod'],
  ];
  for (const [name, extra, field] of builtRefusals) {
    const error = await move(db, shop.production, first, 'awaiting_pickup', extra).then(() => undefined, (e: unknown) => e);
    t.ok(error instanceof ValidationError && error.fieldErrors[field], name);
  }
  await move(db, shop.production, first, 'awaiting_shipping', { fulfillmentMethod: 'shipping' });
  const shippingRefusals: [string, TransitionInput, string][] = [
    ['shipping needs a carrier', { tracking: '1Z999' }, 'carrier'],
    ['shipping needs a tracking number or link', { carrier: 'UPS' }, 'tracking'],
    ['a broken tracking link is refused', { carrier: 'UPS', tracking: 'https://' }, 'tracking'],
  ];
  for (const [name, extra, field] of shippingRefusals) {
    const error = await move(db, shop.production, first, 'shipped', extra).then(() => undefined, (e: unknown) => e);
    t.ok(error instanceof ValidationError && error.fieldErrors[field], name);
  }
  t.equal((await item(db, first)).status, 'awaiting_shipping', 'still waiting to ship');
  const installerCompletes = await move(db, shop.installer, first, 'shipped', { carrier: 'UPS', tracking: '1Z999' }).then(() => undefined, (e: unknown) => e);
  t.ok(installerCompletes instanceof HttpError && installerCompletes.statusCode === 403, 'completing is for production, sales and fulfillment');

  await move(db, shop.sales, first, 'shipped', { carrier: 'UPS', tracking: '1Z999AA10123456784' });
  const reopenBySales = await move(db, shop.sales, first, 'awaiting_shipping', { reason: 'wrong box' }).then(() => undefined, (e: unknown) => e);
  t.ok(reopenBySales instanceof HttpError && reopenBySales.statusCode === 403, 'only an admin may reopen');
  const reopenWithoutReason = await move(db, shop.admin, first, 'awaiting_shipping').then(() => undefined, (e: unknown) => e);
  t.ok(reopenWithoutReason instanceof ValidationError, 'reopening needs a reason');
  await move(db, shop.admin, first, 'awaiting_shipping', { reason: 'Package came back damaged' });
  const reopened = await item(db, first);
  t.equal(reopened.status, 'awaiting_shipping');
  t.equal(reopened.completed_at, null);
  const reopenEvent = await db.selectFrom('events').select(['note', 'actor_user_id']).where('subject_id', '=', first).where('to_status', '=', 'awaiting_shipping').orderBy('id', 'desc').executeTakeFirstOrThrow();
  t.same(reopenEvent, { note: 'Package came back damaged', actor_user_id: shop.admin.id });

  const secondNow = await item(db, second);
  t.equal(secondNow.status, 'pending');
  t.equal(secondNow.version, 1, 'the refused attempts left the other item untouched');
  const events = await db.selectFrom('events').select('id').where('subject_type', '=', 'line_item').where('subject_id', '=', second).execute();
  t.equal(events.length, 0, 'and wrote no events');
});

t.test('on hold with a reason, from any open status, back to where it was', async (t) => {
  const { db, shop } = await setup(t);
  const order = await placeOrder(db, shop, [{}]);
  const id = order.items[0]!.id;
  await move(db, shop.production, id, 'in_progress');
  await move(db, shop.production, id, 'on_hold', { reason: 'Acrylic cracked, waiting for a new sheet' });
  const held = await item(db, id);
  t.same([held.status, held.held_from_status, held.hold_reason], ['on_hold', 'in_progress', 'Acrylic cracked, waiting for a new sheet']);
  t.equal((await storedAndActualCounts(db)).stored.on_hold, 1);

  const elsewhere = await move(db, shop.production, id, 'pending').then(() => undefined, (e: unknown) => e);
  t.ok(elsewhere instanceof ValidationError && /back to where it was/.test(elsewhere.fieldErrors.to ?? ''), 'resume goes back where it was, nowhere else');
  await move(db, shop.sales, id, 'in_progress');
  const resumed = await item(db, id);
  t.same([resumed.status, resumed.held_from_status, resumed.hold_reason], ['in_progress', null, null]);

  await move(db, shop.production, id, 'awaiting_pickup', { fulfillmentMethod: 'pickup' });
  await move(db, shop.sales, id, 'on_hold', { reason: 'Customer asked to wait' });
  t.equal((await item(db, id)).held_from_status, 'awaiting_pickup', 'BUILT items can be held too');
  await move(db, shop.sales, id, 'cancelled', { reason: 'Customer cancelled' });
  t.equal((await item(db, id)).status, 'cancelled', 'a held item can be cancelled');
  const counts = await storedAndActualCounts(db);
  t.equal(counts.stored.on_hold, 0);
  t.equal(counts.stored.awaiting_pickup, 0);
});

t.test('two people changing the same item: the second gets a conflict and nothing is overwritten', async (t) => {
  const { db, shop } = await setup(t);
  const order = await placeOrder(db, shop, [{}]);
  const id = order.items[0]!.id;
  const seen = (await item(db, id)).version;
  const actor = (who: { id: number; roles: readonly string[] }) => ({ userId: who.id, roles: who.roles });

  const [first, second] = await Promise.allSettled([
    transitionItem(db, actor(shop.production), { itemId: id, expectedVersion: seen, toStatus: 'in_progress' }),
    transitionItem(db, actor(shop.sales), { itemId: id, expectedVersion: seen, toStatus: 'on_hold', reason: 'Waiting for artwork' }),
  ]);
  const outcomes = [first, second];
  t.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, 'exactly one change wins');
  const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
  t.ok(lost.reason instanceof SubjectConflictError, 'the other is a conflict');
  const conflict = lost.reason as SubjectConflictError;
  t.equal(conflict.statusCode, 409);
  t.match(conflict.message, new RegExp(`${order.number} · 1/1 was changed by (Pete Production|Sam Sales) a moment ago and is now “(Work in progress|On hold)”`));
  const final = await item(db, id);
  t.equal(final.version, seen + 1, 'one change applied');
  t.equal(conflict.currentVersion, final.version);
  const events = await db.selectFrom('events').select('id').where('subject_type', '=', 'line_item').where('subject_id', '=', id).execute();
  t.equal(events.length, 1, 'one event');
});

t.test('completing items alerts the salesperson; the last one says the order is complete', async (t) => {
  const { db, shop } = await setup(t);
  await db.updateTable('users').set({ alert_emails: true }).where('id', '=', shop.sales.id).execute();
  const order = await placeOrder(db, shop, [{ unitPrice: '150.00', quantity: '2' }, { unitPrice: '49.50', fulfillmentMethod: 'delivery' }]);
  const [a, b] = order.items.map((i) => i.id) as [number, number];
  for (const [id, method] of [[a, 'pickup'], [b, 'delivery']] as const) {
    await move(db, shop.production, id, 'in_progress');
    await move(db, shop.production, id, `awaiting_${method}`, { fulfillmentMethod: method });
  }
  const firstDone = await move(db, shop.fulfillment, a, 'picked_up');
  t.equal(firstDone.orderCompleted, false);
  let alerts = await db.selectFrom('alerts').selectAll().where('user_id', '=', shop.sales.id).orderBy('id').execute();
  t.equal(alerts.length, 1);
  t.equal(alerts[0]!.kind, 'item-completed');
  t.match(alerts[0]!.message, new RegExp(`${order.number} · 1/2 Channel letters was picked up: collect payment if it is due`));

  const lastDone = await move(db, shop.fulfillment, b, 'delivered');
  t.equal(lastDone.orderCompleted, true);
  alerts = await db.selectFrom('alerts').selectAll().where('user_id', '=', shop.sales.id).orderBy('id').execute();
  t.equal(alerts.length, 2);
  t.equal(alerts[1]!.kind, 'order-completed');
  t.match(alerts[1]!.message, new RegExp(`Order ${order.number} is complete.*Order total \\$349\\.50`));
  const mails = await db.selectFrom('outbox').select(['template', 'to_address']).where('template', '=', 'sales-alert').execute();
  t.same(mails, [{ template: 'sales-alert', to_address: shop.sales.email }, { template: 'sales-alert', to_address: shop.sales.email }], 'emailed too, as the salesperson chose');
});
