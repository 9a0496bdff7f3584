import t from 'tap';
import type { Db } from '../../src/db/database.js';
import type { OrderApproval } from '../../src/db/types.js';
import { orderReviews, reviewOrder, submitOrder } from '../../src/orders/approval.js';
import { updateOrder } from '../../src/orders/orders.js';
import { orderSnapshot, snapshotChanges } from '../../src/orders/snapshot.js';
import { ValidationError } from '../../src/platform/errors.js';
import { SubjectConflictError, transition, type TransitionActor } from '../../src/workflow/engine.js';
import { queueCounts } from '../../src/workflow/queue-changes.js';
import { createUser } from '../helpers/app.js';
import { freshDatabase } from '../helpers/database.js';
import { itemInput, placeOrder, seedShop } from '../helpers/shop.js';

async function setup(t: Parameters<typeof freshDatabase>[0], approval: OrderApproval) {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  await db.updateTable('shop_settings').set({ order_approval: approval }).execute();
  const accountant = await createUser(db, ['accounting'], { name: 'Alice Accounts' });
  const inspector = await createUser(db, ['qa'], { name: 'Quinn QA' });
  const people = {
    accounting: { userId: accountant.id, roles: ['accounting'] } satisfies TransitionActor,
    qa: { userId: inspector.id, roles: ['qa'] } satisfies TransitionActor,
    sales: { userId: shop.sales.id, roles: ['sales'] } satisfies TransitionActor,
    production: { userId: shop.production.id, roles: ['production'] } satisfies TransitionActor,
  };
  return { db, shop, people };
}

async function orderRow(db: Db, id: number) {
  return db.selectFrom('orders').select(['status', 'version', 'review_round']).where('id', '=', id).executeTakeFirstOrThrow();
}

async function itemStatuses(db: Db, orderId: number) {
  return (await db.selectFrom('line_items').select('status').where('order_id', '=', orderId).orderBy('position').execute()).map((row) => row.status);
}

async function moveItem(db: Db, actor: TransitionActor, itemId: number, to: string, input = {}) {
  const { version } = await db.selectFrom('line_items').select('version').where('id', '=', itemId).executeTakeFirstOrThrow();
  return transition(db, { type: 'line_item', id: itemId }, actor, { expectedVersion: version, to, input });
}

const approve = (kind: 'accounting' | 'qa') => ({ kind, decision: 'approved' as const, reasonCode: '', comment: '' });

t.test('without approval (the default), an order starts approved and follows its items through production', async (t) => {
  const { db, shop, people } = await setup(t, 'none');
  const order = await placeOrder(db, shop, [{ description: 'Lobby sign' }, { description: 'Window vinyl' }]);
  t.equal((await orderRow(db, order.id)).status, 'approved');
  t.same(await itemStatuses(db, order.id), ['pending', 'pending'], 'items go straight to production, as before');
  t.equal((await queueCounts(db, 'order')).planning, 1, 'the order counts in its queue');

  await moveItem(db, people.production, order.items[0]!.id, 'in_progress');
  t.equal((await orderRow(db, order.id)).status, 'in_production', 'the first item started starts the order');
  const produced = await db.selectFrom('events').select(['actor_user_id', 'from_status', 'to_status']).where('subject_type', '=', 'order').where('subject_id', '=', order.id).where('action', '=', 'status-changed').execute();
  t.same(produced, [{ actor_user_id: shop.production.id, from_status: 'approved', to_status: 'in_production' }], 'on behalf of the person who started the item');

  await moveItem(db, people.production, order.items[0]!.id, 'awaiting_pickup', { fulfillmentMethod: 'pickup' });
  await moveItem(db, people.sales, order.items[0]!.id, 'picked_up');
  t.equal((await orderRow(db, order.id)).status, 'in_production', 'one item still open');
  await moveItem(db, people.sales, order.items[1]!.id, 'cancelled', { reason: 'Customer changed their mind' });
  t.equal((await orderRow(db, order.id)).status, 'completed', 'the last item finished completes the order');

  await moveItem(db, { userId: shop.admin.id, roles: ['admin'] }, order.items[0]!.id, 'awaiting_pickup', { reason: 'Wrong colour' });
  t.equal((await orderRow(db, order.id)).status, 'in_production', 'an item reopened puts the order back in production');
  t.same(await queueCounts(db, 'order'), { accounting: 0, drafts: 0, in_work: 1, planning: 0, qa: 0, review: 0 });
});

t.test('reviews in parallel: either reviewer first, production only after both', async (t) => {
  const { db, shop, people } = await setup(t, 'parallel');
  const order = await placeOrder(db, shop, [{ description: 'Menu board' }, { description: 'Door decal' }]);
  t.equal((await orderRow(db, order.id)).status, 'draft');
  t.same(await itemStatuses(db, order.id), ['awaiting_approval', 'awaiting_approval'], 'items wait outside production');
  t.equal((await queueCounts(db, 'production')).pending, 0, 'not in the Pending queue');

  await t.rejects(reviewOrder(db, people.qa, order.id, 1, approve('qa')), { statusCode: 422, message: /is “Draft”: it is not waiting for a review/ });
  await submitOrder(db, people.sales, order.id, 1);
  let row = await orderRow(db, order.id);
  t.same([row.status, row.review_round], ['submitted', 1]);

  await reviewOrder(db, people.qa, order.id, row.version, approve('qa'));
  row = await orderRow(db, order.id);
  t.equal(row.status, 'accounting_review', 'QA first: now it waits for accounting');
  await t.rejects(reviewOrder(db, people.qa, order.id, row.version, approve('qa')), { statusCode: 422, message: /waiting for Accounting, not QA/ }, 'QA cannot review twice');
  t.same(await itemStatuses(db, order.id), ['awaiting_approval', 'awaiting_approval']);

  await reviewOrder(db, people.accounting, order.id, row.version, approve('accounting'));
  t.equal((await orderRow(db, order.id)).status, 'approved');
  t.same(await itemStatuses(db, order.id), ['pending', 'pending'], 'approval releases the items');
  const released = await db.selectFrom('events').select(['actor_user_id', 'to_status']).where('subject_type', '=', 'line_item').where('to_status', '=', 'pending').execute();
  t.same(released.map((event) => event.actor_user_id), [people.accounting.userId, people.accounting.userId], 'released on behalf of the last approver');
  t.equal((await queueCounts(db, 'production')).pending, 2);
});

t.test('reviews in sequence: accounting first, then QA', async (t) => {
  const { db, shop, people } = await setup(t, 'sequence');
  const order = await placeOrder(db, shop, [{}]);
  await submitOrder(db, people.sales, order.id, 1);
  let row = await orderRow(db, order.id);
  t.equal(row.status, 'accounting_review');
  await t.rejects(reviewOrder(db, people.qa, order.id, row.version, approve('qa')), /waiting for Accounting, not QA/);
  await t.rejects(reviewOrder(db, people.production, order.id, row.version, approve('accounting')), { message: /Only Accounting reviews for Accounting/ }, 'production staff cannot approve for accounting');
  await reviewOrder(db, people.accounting, order.id, row.version, approve('accounting'));
  row = await orderRow(db, order.id);
  t.equal(row.status, 'qa_review');
  await reviewOrder(db, people.qa, order.id, row.version, approve('qa'));
  t.equal((await orderRow(db, order.id)).status, 'approved');
  t.same(await itemStatuses(db, order.id), ['pending']);
});

t.test('a rejection needs a reason, returns the order, and the resubmission shows what changed', async (t) => {
  const { db, shop, people } = await setup(t, 'parallel');
  const order = await placeOrder(db, shop, [{ description: 'Pylon sign', unitPrice: '900.00' }, { description: 'Vinyl' }]);
  await submitOrder(db, people.sales, order.id, 1);
  let row = await orderRow(db, order.id);

  const refused = await reviewOrder(db, people.accounting, order.id, row.version, { kind: 'accounting', decision: 'rejected', reasonCode: '', comment: ' ' }).catch((error: unknown) => error);
  t.type(refused, ValidationError);
  t.same(Object.keys((refused as ValidationError).fieldErrors).sort(), ['comment', 'reasonCode'], 'a reason code and a comment');
  t.equal((await orderRow(db, order.id)).version, row.version, 'nothing changed');

  await reviewOrder(db, people.accounting, order.id, row.version, { kind: 'accounting', decision: 'rejected', reasonCode: 'prices', comment: 'The pylon is quoted at last year’s price.' });
  row = await orderRow(db, order.id);
  t.equal(row.status, 'rejected');
  const rejection = await db.selectFrom('events').select(['note', 'particulars']).where('subject_type', '=', 'order').where('to_status', '=', 'rejected').executeTakeFirstOrThrow();
  t.equal(rejection.note, 'The pylon is quoted at last year’s price.');
  t.match(rejection.particulars, { reasonCode: 'prices', round: 1 });
  await t.rejects(reviewOrder(db, people.qa, order.id, row.version, approve('qa')), /not waiting for a review/, 'QA has nothing to review once it is returned');

  const [pylon, vinyl] = order.items;
  await updateOrder(db, { userId: shop.sales.id, roles: ['sales'] }, order.id, {
    customerId: String(shop.customerId),
    salespersonId: String(shop.sales.id),
    dueDate: '',
    notes: 'Repriced',
    items: [itemInput({ description: 'Pylon sign', unitPrice: '1150.00' }), itemInput({ description: 'Vinyl' }), itemInput({ description: 'Install kit', unitPrice: '40.00' })],
    itemIds: [pylon!.id, vinyl!.id, null],
    version: row.version,
    muted: false,
  });
  t.same(await itemStatuses(db, order.id), ['awaiting_approval', 'awaiting_approval', 'awaiting_approval'], 'an item added before approval waits with the others');
  row = await orderRow(db, order.id);
  await submitOrder(db, people.sales, order.id, row.version);
  row = await orderRow(db, order.id);
  t.same([row.status, row.review_round], ['submitted', 2], 'a new round');

  const [accountingReview] = await orderReviews(db, order.id);
  const changes = snapshotChanges(accountingReview!.snapshot, await orderSnapshot(db, order.id));
  t.same(
    changes.map((change) => [change.what.replace(/^\d+ · /, ''), change.field, change.from, change.to]),
    [
      ['Order', 'Notes', '', 'Repriced'],
      ['Order', 'Total', '$1,000.00', '$1,290.00'],
      ['1/3', 'Unit price', '$900.00', '$1,150.00'],
      ['1/3', 'Amount', '$900.00', '$1,150.00'],
      ['3/3', 'Added', '', '1 × Install kit'],
    ],
    'what changed since accounting’s review',
  );

  const whileReviewed = await updateOrder(db, { userId: shop.sales.id, roles: ['sales'] }, order.id, { customerId: String(shop.customerId), salespersonId: '', dueDate: '', notes: '', items: [itemInput()], itemIds: [pylon!.id], version: row.version, muted: false, confirmRemoval: true }).catch((error: unknown) => error);
  t.match((whileReviewed as ValidationError).fieldErrors, { form: /is with its reviewers/ }, 'not edited while with its reviewers');
});

t.test('two reviewers deciding at once: the second sees a conflict, not a lost decision', async (t) => {
  const { db, shop, people } = await setup(t, 'parallel');
  const order = await placeOrder(db, shop, [{}]);
  await submitOrder(db, people.sales, order.id, 1);
  const { version } = await orderRow(db, order.id);
  const results = await Promise.allSettled([reviewOrder(db, people.accounting, order.id, version, approve('accounting')), reviewOrder(db, people.qa, order.id, version, approve('qa'))]);
  t.equal(results.filter((result) => result.status === 'fulfilled').length, 1, 'one decision lands');
  const failed = results.find((result) => result.status === 'rejected');
  t.type(failed?.reason, SubjectConflictError, 'the other is told the order changed');
  t.equal((await db.selectFrom('order_reviews').select('id').execute()).length, 1, 'and leaves no review behind');
});
