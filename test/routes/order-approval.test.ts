import t from 'tap';
import { buildTestApp, signedInClient, textOf } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

const versionOf = (html: string) => html.match(/action="\/orders\/\d+\/(?:submit|reviews|transitions)"[\s\S]*?name="version" value="(\d+)"/)![1]!;

t.test('an admin turns approval on; a draft is submitted, sent back with a reason, fixed, resubmitted and approved', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const { client: admin } = await signedInClient(app, db, ['admin']);
  const settings = await admin.get('/admin/settings');
  t.match(settings.body, /Approval of new orders/);
  const version = settings.body.match(/name="version" value="(\d+)"/)![1]!;
  const bad = await admin.post('/admin/settings', { shopName: 'Our shop', replyToEmail: '', customerEmailsEnabled: '1', customerEmailDelaySeconds: '120', orderApproval: 'always', taxLabel: 'Sales tax', taxRate: '0', paymentTerms: '', archiveAfterDays: '30', salesSeeAllCustomers: '1', version });
  t.equal(bad.statusCode, 422, 'an approval way that does not exist');
  t.match(textOf(bad.body), /Choose one of the ways offered/);
  t.equal((await admin.post('/admin/settings', { shopName: 'Our shop', replyToEmail: '', customerEmailsEnabled: '1', customerEmailDelaySeconds: '120', orderApproval: 'parallel', taxLabel: 'Sales tax', taxRate: '0', paymentTerms: '', archiveAfterDays: '30', salesSeeAllCustomers: '1', version })).statusCode, 303);

  const order = await placeOrder(db, shop, [{ description: 'Menu board', unitPrice: '300.00' }]);
  const { client: sales } = await signedInClient(app, db, ['sales']);
  const { client: accounting } = await signedInClient(app, db, ['accounting']);
  const { client: qa } = await signedInClient(app, db, ['qa']);
  const { client: production } = await signedInClient(app, db, ['production']);
  const path = `/orders/${order.id}`;

  let page = await sales.get(path);
  t.match(textOf(page.body), /Draft since/);
  t.match(page.body, /Submit for review/, 'the manager may submit it');
  t.notMatch((await accounting.get(path)).body, /action="\/orders\/\d+\/reviews"/, 'nothing to review in a draft');
  t.equal((await production.post(`${path}/submit`, { version: versionOf(page.body) })).statusCode, 403, 'production cannot submit orders');
  t.equal((await sales.post(`${path}/submit`, { version: versionOf(page.body) })).statusCode, 303);

  const waiting = await accounting.get('/orders?queue=review');
  t.match(textOf(waiting.body), /Orders: Waiting for accounting and QA/);
  t.match(waiting.body, new RegExp(`href="${path}"`), 'listed where it waits');
  t.notMatch((await accounting.get('/orders?queue=drafts')).body, new RegExp(`href="${path}"`), 'and not among the drafts');
  t.equal((await accounting.get('/orders?queue=nowhere')).statusCode, 404);

  page = await accounting.get(path);
  t.match(textOf(page.body), /Waiting for Accounting and QA to review it/);
  t.match(page.body, /Your review for Accounting/);
  const missing = await accounting.post(`${path}/reviews`, { version: versionOf(page.body), kind: 'accounting', decision: 'rejected', reasonCode: '', comment: '' });
  t.equal(missing.statusCode, 422);
  t.match(missing.body, /id="field-reasonCode-error"[^>]*>Choose why it goes back/, 'the reason code, beside its field');
  t.match(missing.body, /id="field-comment-error"[^>]*>Say what to change/, 'and the comment');
  t.match(missing.body, /<option value="rejected" selected>/, 'the decision is kept');
  t.equal((await qa.post(`${path}/reviews`, { version: versionOf(page.body), kind: 'accounting', decision: 'approved', reasonCode: '', comment: '' })).statusCode, 403, 'QA cannot approve for accounting');
  t.equal((await qa.post(`${path}/reviews`, { version: versionOf(page.body), kind: 'accounting', decision: 'rejected', reasonCode: 'prices', comment: 'Not mine to say' })).statusCode, 403, 'nor send it back in accounting’s name');
  t.equal((await db.selectFrom('order_reviews').select('id').execute()).length, 0, 'and no review was stored');

  const sentBack = await accounting.post(`${path}/reviews`, { version: versionOf(page.body), kind: 'accounting', decision: 'rejected', reasonCode: 'prices', comment: 'Use the 2027 price list.' });
  t.equal(sentBack.statusCode, 303);
  const stale = await qa.post(`${path}/reviews`, { version: versionOf(page.body), kind: 'qa', decision: 'approved', reasonCode: '', comment: 'Looks fine' });
  t.equal(stale.statusCode, 409, 'QA was looking at the order before it went back');
  t.match(textOf(stale.body), /was changed by .* a moment ago and is now “Returned to the manager”/);

  page = await sales.get(path);
  t.match(textOf(page.body), /Sent back by .* for Accounting.*Prices or totals are wrong\. Use the 2027 price list\./, 'the manager sees why');
  t.match(page.body, />Resubmit</);
  await db.updateTable('line_items').set({ unit_price: '340.00' }).where('order_id', '=', order.id).execute();
  await db.updateTable('orders').set({ total: '340.00' }).where('id', '=', order.id).execute();
  t.equal((await sales.post(`${path}/submit`, { version: versionOf(page.body) })).statusCode, 303);

  page = await accounting.get(path);
  t.match(textOf(page.body), /Changed since Accounting reviewed it in round 1 \(3 changes\)/);
  t.match(textOf(page.body), /Unit price \$300\.00 \$340\.00/);
  t.equal((await accounting.post(`${path}/reviews`, { version: versionOf(page.body), kind: 'accounting', decision: 'approved', reasonCode: '', comment: '' })).statusCode, 303);
  page = await qa.get(path);
  t.match(textOf(page.body), /QA review since/);
  t.equal((await qa.post(`${path}/reviews`, { version: versionOf(page.body), kind: 'qa', decision: 'approved', reasonCode: '', comment: 'Checked the artwork' })).statusCode, 303);

  page = await production.get(path);
  t.match(textOf(page.body), /Approved since/);
  t.match(textOf(page.body), /Pending/, 'its item is in production');
  t.match(textOf(page.body), /Round Review Decision By When 2 QA Approved Checked the artwork/);
  t.match(page.body, /Mark planned/, 'production may plan it');
  const noMove = await production.post(`${path}/transitions`, { version: versionOf(page.body), to: '', reason: '' });
  t.equal(noMove.statusCode, 422);
  t.match(noMove.body, /id="order-move-error"[^>]*>Choose one of the moves offered/);
  const forced = await production.post(`${path}/transitions`, { version: versionOf(page.body), to: 'in_production', reason: '' });
  t.equal(forced.statusCode, 422, 'production starting is for the items to decide');
  t.equal((await production.post(`${path}/transitions`, { version: versionOf(page.body), to: 'planned', reason: '' })).statusCode, 303);
  t.match(textOf((await production.get(path)).body), /Planned since/);

  t.equal((await production.post('/orders/999999/transitions', { version: '1', to: 'planned', reason: '' })).statusCode, 404, 'a guessed order is a 404');
  t.equal((await accounting.post('/orders/999999/reviews', { version: '1', kind: 'accounting', decision: 'approved', reasonCode: '', comment: '' })).statusCode, 404);
});

t.test('a new order from a previous one copies its lines and notes, and the two link to each other', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const previous = await placeOrder(db, shop, [{ description: 'Window lettering', unitPrice: '120.00', machineId: String(shop.machines.printer) }, { description: 'Door decal', quantity: '2' }], { dueDate: '2026-12-20' });
  await db.updateTable('orders').set({ notes: 'Use the blue from last year' }).where('id', '=', previous.id).execute();
  const { client: sales } = await signedInClient(app, db, ['sales']);

  const form = await sales.get(`/orders/new?from=${previous.id}`);
  t.equal(form.statusCode, 200);
  t.match(textOf(form.body), /A new order from order \d+: its lines, prices and notes are copied/);
  t.match(form.body, /name="copiedFrom" value="\d+"/);
  t.match(form.body, /value="Window lettering"/);
  t.match(form.body, /Use the blue from last year/);
  t.notMatch(form.body, /name="item_itemId" value="\d+"/, 'the copies are new lines, not the old ones');
  t.equal((await sales.get('/orders/new?from=999999')).statusCode, 404, 'a guessed order to copy is a 404');
  t.equal((await sales.get('/orders/new?from=abc')).statusCode, 404);

  const fields: Record<string, string | string[]> = {
    customerId: String(shop.customerId), salespersonId: '', dueDate: '2027-01-15', notes: 'Use the blue from last year', version: '', copiedFrom: String(previous.id), action: 'save',
    item_itemId: ['', ''], item_number: ['', ''], item_description: ['Window lettering', 'Door decal'], item_quantity: ['1', '2'], item_unitPrice: ['120.00', '100.00'],
    item_machineId: [String(shop.machines.printer), ''], item_materialId: ['', ''], item_fulfillmentMethod: ['pickup', 'pickup'], item_dueDate: ['', ''], item_assigneeId: ['', ''], item_notes: ['', ''], item_expectedHours: ['', ''],
  };
  const saved = await sales.post('/orders', fields);
  t.equal(saved.statusCode, 303);
  const copy = await db.selectFrom('orders').select(['id', 'number', 'copied_from_id', 'notes']).where('copied_from_id', '=', previous.id).executeTakeFirstOrThrow();
  t.equal(copy.notes, 'Use the blue from last year');
  t.equal((await db.selectFrom('line_items').select('id').where('order_id', '=', copy.id).execute()).length, 2, 'both lines, none lost');
  t.match(textOf((await sales.get(`/orders/${copy.id}`)).body), new RegExp(`Copied from Order ${previous.number}`));
  t.match(textOf((await sales.get(`/orders/${previous.id}`)).body), new RegExp(`Copied into Order ${copy.number}`));

  const orphan = await sales.post('/orders', { ...fields, copiedFrom: '2147483000' });
  t.equal(orphan.statusCode, 303, 'a link to an order that is gone is dropped, not an error');
});

t.test('once accounting has approved an order, sales change its notes but not what it charges', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  await db.updateTable('shop_settings').set({ order_approval: 'sequence' }).execute();
  const order = await placeOrder(db, shop, [{ description: 'Lightbox', unitPrice: '900.00' }]);
  const { submitOrder, reviewOrder } = await import('../../src/orders/approval.js');
  const { createUser } = await import('../helpers/app.js');
  const accountant = { userId: (await createUser(db, ['accounting'])).id, roles: ['accounting'] };
  const inspector = { userId: (await createUser(db, ['qa'])).id, roles: ['qa'] };
  const version = async () => (await db.selectFrom('orders').select('version').where('id', '=', order.id).executeTakeFirstOrThrow()).version;
  await submitOrder(db, { userId: shop.sales.id, roles: ['sales'] }, order.id, await version());
  await reviewOrder(db, accountant, order.id, await version(), { kind: 'accounting', decision: 'approved', reasonCode: '', comment: '' });
  await reviewOrder(db, inspector, order.id, await version(), { kind: 'qa', decision: 'approved', reasonCode: '', comment: '' });

  const { client: sales } = await signedInClient(app, db, ['sales']);
  const edit = await sales.get(`/orders/${order.id}/edit`);
  t.match(textOf(edit.body), /Accounting approved what this order charges: only an admin changes its prices, quantities or lines now\. Notes, dates, machines and people can still be changed here\./);
  const formVersion = edit.body.match(/name="version" value="(\d+)"/)![1]!;
  const row = { item_itemId: String(order.items[0]!.id), item_number: '1', item_description: 'Lightbox', item_quantity: '1', item_machineId: '', item_materialId: '', item_fulfillmentMethod: 'pickup', item_dueDate: '', item_assigneeId: '', item_notes: '', item_expectedHours: '' };
  const base = { customerId: String(shop.customerId), salespersonId: String(shop.sales.id), dueDate: '', version: formVersion, action: 'save' };
  const repriced = await sales.post(`/orders/${order.id}`, { ...base, notes: '', ...row, item_unitPrice: '750.00' });
  t.equal(repriced.statusCode, 422);
  t.match(repriced.body, /class="field-error"[^>]*>Accounting approved what this order charges/, 'said beside the price');
  t.match(repriced.body, /name="item_unitPrice"[^>]*value="750.00"/, 'what was typed is kept');
  const noted = await sales.post(`/orders/${order.id}`, { ...base, notes: 'Hang it by Friday', ...row, item_unitPrice: '900.00' });
  t.equal(noted.statusCode, 303, 'a note is still theirs to change');
  t.equal((await db.selectFrom('orders').select('notes').where('id', '=', order.id).executeTakeFirstOrThrow()).notes, 'Hang it by Friday');
});
