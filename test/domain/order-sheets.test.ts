import { sql } from 'kysely';
import t from 'tap';
import type { Db } from '../../src/db/database.js';
import { addDocumentVersion, documentFile } from '../../src/documents/documents.js';
import { moveOrder, reviewOrder, submitOrder } from '../../src/orders/approval.js';
import { updateOrder } from '../../src/orders/orders.js';
import { taxCents } from '../../src/orders/sheets.js';
import { ValidationError } from '../../src/platform/errors.js';
import { transition, type TransitionActor } from '../../src/workflow/engine.js';
import { createUser } from '../helpers/app.js';
import { freshDatabase } from '../helpers/database.js';
import { pdfText } from '../helpers/pdf.js';
import { itemInput, placeOrder, seedShop, type Shop } from '../helpers/shop.js';

async function sheets(db: Db, orderId: number) {
  return db
    .selectFrom('documents')
    .select(['id', 'kind', 'title', 'visibility', 'latest_version as latest', 'frozen_version as frozen'])
    .where('owner_type', '=', 'order')
    .where('owner_id', '=', orderId)
    .where('kind', '<>', 'upload')
    .orderBy('kind')
    .execute();
}

async function sheetText(db: Db, documentId: number, version?: number) {
  const file = await documentFile(db, documentId, version);
  if (!file) throw new Error(`no version ${version} of document ${documentId}`);
  return pdfText(file.content);
}

const orderVersion = async (db: Db, id: number) => (await db.selectFrom('orders').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version;

function edit(shop: Shop, itemIds: number[], items: ReturnType<typeof itemInput>[], version: number, notes: string) {
  return { customerId: String(shop.customerId), salespersonId: String(shop.sales.id), dueDate: '', notes, items, itemIds, version, muted: false };
}

t.test('tax is whole cents, rounded half up', async (t) => {
  t.equal(taxCents(10_000, '8.250'), 825);
  t.equal(taxCents(333, '8.25'), 27, '27.47 cents');
  t.equal(taxCents(1, '50'), 1, 'half a cent rounds up');
  t.equal(taxCents(999_999_999_99, '99.999'), 99_998_999_999, 'large amounts stay exact');
  t.equal(taxCents(12_345, '0'), 0);
});

t.test('an order’s work sheet and price sheet: drawn on submission, frozen at approval, a new version after a later change', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  await db.updateTable('shop_settings').set({ order_approval: 'parallel', tax_rate: '8.25', tax_label: 'County sales tax', payment_terms: 'Net 30. Late payments accrue 1.5 % a month.' }).execute();
  await db.updateTable('customers').set({ name: 'Łukasz Żółć', company: 'Café Ñandú' }).where('id', '=', shop.customerId).execute();
  const accounting: TransitionActor = { userId: (await createUser(db, ['accounting'])).id, roles: ['accounting'] };
  const qa: TransitionActor = { userId: (await createUser(db, ['qa'])).id, roles: ['qa'] };
  const sales: TransitionActor = { userId: shop.sales.id, roles: ['sales'] };

  const order = await placeOrder(db, shop, [
    { description: 'Pylon sign', quantity: '2', unitPrice: '1200.00', machineId: String(shop.machines.router), materialId: String(shop.materials.acrylic), notes: 'Brushed edges' },
    { description: 'Window vinyl', unitPrice: '85.50', machineId: String(shop.machines.printer), materialId: String(shop.materials.vinyl), fulfillmentMethod: 'installation' },
  ]);
  t.same(await sheets(db, order.id), [], 'a draft has no sheets yet');

  await submitOrder(db, sales, order.id, 1);
  const [priceSheet, workSheet] = await sheets(db, order.id);
  t.match([priceSheet, workSheet], [
    { kind: 'price-sheet', title: 'Price sheet', visibility: 'internal', latest: 1, frozen: null },
    { kind: 'work-sheet', title: 'Work sheet', visibility: 'internal', latest: 1, frozen: null },
  ], 'both attached on submission, staff only, not frozen yet');

  const work = await sheetText(db, workSheet!.id);
  for (const expected of [`Work sheet · order ${order.number}`, 'Łukasz Żółć, Café Ñandú', `${order.number} · 1/2`, `${order.number}-1`, `${order.number}-2`, 'Pylon sign', 'Note: Brushed edges', 'CNC router', 'Acrylic', 'Large-format printer', 'Vinyl', 'Installation', 'page 1 of 1']) {
    t.match(work, expected, `the work sheet says “${expected}”`);
  }
  t.notMatch(work, /\$/, 'the work sheet carries no prices');

  const prices = await sheetText(db, priceSheet!.id);
  for (const expected of [`Price sheet · order ${order.number}`, '$1,200.00', '$2,400.00', '$85.50', 'Subtotal', '$2,485.50', 'County sales tax (8.25 %)', '$205.05', '$2,690.55', 'Net 30. Late payments accrue 1.5 % a month.']) {
    t.match(prices, expected, `the price sheet says “${expected}”`);
  }

  await reviewOrder(db, accounting, order.id, await orderVersion(db, order.id), { kind: 'accounting', decision: 'rejected', reasonCode: 'prices', comment: 'Vinyl is 95.00 now' });
  await submitOrder(db, sales, order.id, await orderVersion(db, order.id));
  t.match(await sheets(db, order.id), [{ latest: 1 }, { latest: 1 }], 'resubmitted unchanged: the same sheets, no new version');

  await reviewOrder(db, accounting, order.id, await orderVersion(db, order.id), { kind: 'accounting', decision: 'rejected', reasonCode: 'prices', comment: 'Vinyl is 95.00 now' });
  const [pylon, vinyl] = order.items;
  await updateOrder(db, { userId: shop.sales.id, roles: ['sales'] }, order.id, edit(shop, [pylon!.id, vinyl!.id], [itemInput({ description: 'Pylon sign', quantity: '2', unitPrice: '1200.00', machineId: String(shop.machines.router), materialId: String(shop.materials.acrylic), notes: 'Brushed edges' }), itemInput({ description: 'Window vinyl', unitPrice: '95.00', machineId: String(shop.machines.printer), materialId: String(shop.materials.vinyl), fulfillmentMethod: 'installation' })], await orderVersion(db, order.id), ''));
  t.match(await sheets(db, order.id), [{ latest: 1 }, { latest: 1 }], 'an edit before approval draws nothing until the order is submitted again');
  await submitOrder(db, sales, order.id, await orderVersion(db, order.id));
  t.match(await sheets(db, order.id), [{ latest: 2 }, { latest: 1 }], 'the repriced price sheet is version 2; the work sheet did not change');
  t.match(await sheetText(db, priceSheet!.id), '$95.00');
  t.match(await sheetText(db, priceSheet!.id, 1), '$85.50', 'version 1 is kept as it was');

  await reviewOrder(db, qa, order.id, await orderVersion(db, order.id), { kind: 'qa', decision: 'approved', reasonCode: '', comment: '' });
  t.match(await sheets(db, order.id), [{ frozen: null }, { frozen: null }], 'not frozen until the last approval');
  await reviewOrder(db, accounting, order.id, await orderVersion(db, order.id), { kind: 'accounting', decision: 'approved', reasonCode: '', comment: '' });
  t.match(await sheets(db, order.id), [{ latest: 2, frozen: 2 }, { latest: 1, frozen: 1 }], 'approval freezes the versions approved');

  const refused = await updateOrder(db, { userId: shop.sales.id, roles: ['sales'] }, order.id, edit(shop, [pylon!.id, vinyl!.id], [itemInput({ description: 'Pylon sign', quantity: '2', unitPrice: '1.00' }), itemInput({ description: 'Window vinyl', unitPrice: '95.00', fulfillmentMethod: 'installation' })], await orderVersion(db, order.id), '')).catch((error: unknown) => error);
  t.type(refused, ValidationError, 'sales cannot reprice an approved order');
  t.match((refused as ValidationError).fieldErrors, { 'items.0.unitPrice': /Accounting approved what this order charges/ });

  await updateOrder(db, { userId: shop.sales.id, roles: ['sales'] }, order.id, edit(shop, [pylon!.id, vinyl!.id], [itemInput({ description: 'Pylon sign', quantity: '2', unitPrice: '1200.00', machineId: String(shop.machines.router), materialId: String(shop.materials.acrylic), notes: 'Brushed edges, no burrs' }), itemInput({ description: 'Window vinyl', unitPrice: '95.00', machineId: String(shop.machines.printer), materialId: String(shop.materials.vinyl), fulfillmentMethod: 'installation' })], await orderVersion(db, order.id), 'Install after 6 pm'));
  t.match(await sheets(db, order.id), [{ latest: 2, frozen: 2 }, { latest: 2, frozen: 1 }], 'a later change makes a new work sheet; the approved one stays frozen');
  t.match(await sheetText(db, workSheet!.id), /Install after 6 pm[\s\S]*no burrs/);
  t.notMatch(await sheetText(db, workSheet!.id, 1), 'no burrs', 'the approved version is unchanged');

  await updateOrder(db, { userId: shop.admin.id, roles: ['admin'] }, order.id, edit(shop, [pylon!.id, vinyl!.id], [itemInput({ description: 'Pylon sign', quantity: '2', unitPrice: '1150.00', machineId: String(shop.machines.router), materialId: String(shop.materials.acrylic), notes: 'Brushed edges, no burrs' }), itemInput({ description: 'Window vinyl', unitPrice: '95.00', machineId: String(shop.machines.printer), materialId: String(shop.materials.vinyl), fulfillmentMethod: 'installation' })], await orderVersion(db, order.id), 'Install after 6 pm'));
  t.match(await sheets(db, order.id), [{ latest: 3, frozen: 2 }, { latest: 2 }], 'an admin may reprice it: a new price sheet beside the approved one');

  const { issueInvoice } = await import('../../src/invoices/invoices.js');
  await issueInvoice(db, { userId: accounting.userId }, order.id);
  const afterInvoice = await updateOrder(db, { userId: shop.admin.id, roles: ['admin'] }, order.id, edit(shop, [pylon!.id, vinyl!.id], [itemInput({ description: 'Pylon sign', quantity: '3', unitPrice: '1150.00' }), itemInput({ description: 'Window vinyl', unitPrice: '95.00', fulfillmentMethod: 'installation' })], await orderVersion(db, order.id), '')).catch((error: unknown) => error);
  t.match((afterInvoice as ValidationError).fieldErrors, { 'items.0.quantity': /Invoice INV-1001 was issued for this order and is final/ }, 'once invoiced, not even an admin changes what it charges');
  await t.rejects(moveOrder(db, { userId: shop.admin.id, roles: ['admin'] }, order.id, await orderVersion(db, order.id), { intent: 'cancel' }, 'Changed our mind'), { message: /has invoice INV-1001, which is final: it cannot be cancelled/ });

  const upload = await addDocumentVersion(db, { userId: shop.admin.id }, priceSheet!.id, { fileName: 'mine.pdf', data: Buffer.from('%PDF-1.4\n%%EOF\n') }).catch((error: unknown) => error);
  t.match((upload as ValidationError).fieldErrors, { file: /Traveler draws “Price sheet” itself/ }, 'nobody uploads over a generated sheet');
});

t.test('without approval, an order is approved as entered: its sheets are frozen at once', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Banner' }]);
  t.match(await sheets(db, order.id), [{ kind: 'price-sheet', latest: 1, frozen: 1 }, { kind: 'work-sheet', latest: 1, frozen: 1 }]);
});

t.test('cancelling an order cancels its items, and a cancelled order cannot be edited', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Sign A' }, { description: 'Sign B' }, { description: 'Sign C' }]);
  const [first, second] = order.items;
  await transition(db, { type: 'line_item', id: first!.id }, { userId: shop.admin.id, roles: ['admin'] }, { expectedVersion: first!.version, to: 'cancelled', input: { reason: 'Duplicate line' } });

  await moveOrder(db, { userId: shop.sales.id, roles: ['sales'] }, order.id, await orderVersion(db, order.id), { intent: 'cancel' }, 'Customer closed the shop');
  const items = await db.selectFrom('line_items').select(['position', 'status']).where('order_id', '=', order.id).orderBy('position').execute();
  t.same(items.map((item) => item.status), ['cancelled', 'cancelled', 'cancelled']);
  const row = await db.selectFrom('orders').select('status').where('id', '=', order.id).executeTakeFirstOrThrow();
  t.equal(row.status, 'cancelled', 'the order stays cancelled (not completed by its last item)');
  const reasons = await db.selectFrom('events').select(['note', 'actor_user_id']).where('subject_type', '=', 'line_item').where('subject_id', '=', second!.id).where('to_status', '=', 'cancelled').execute();
  t.match(reasons, [{ note: /Order \d+ cancelled: Customer closed the shop/, actor_user_id: shop.sales.id }], 'each item says why, on behalf of who cancelled the order');
  const again = await db.selectFrom('events').select('note').where('subject_type', '=', 'line_item').where('subject_id', '=', first!.id).where('to_status', '=', 'cancelled').execute();
  t.same(again, [{ note: 'Duplicate line' }], 'an item already cancelled is left as it was');

  const edited = await updateOrder(db, { userId: shop.admin.id, roles: ['admin'] }, order.id, edit(shop, order.items.map((item) => item.id), [itemInput(), itemInput(), itemInput()], await orderVersion(db, order.id), '')).catch((error: unknown) => error);
  t.match((edited as ValidationError).fieldErrors, { form: /is cancelled: it can no longer be changed/ });
});

t.test('an order in production is not cancelled as a whole', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Sign A' }, { description: 'Sign B' }]);
  await transition(db, { type: 'line_item', id: order.items[0]!.id }, { userId: shop.production.id, roles: ['production'] }, { expectedVersion: order.items[0]!.version, to: 'in_progress' });
  await t.rejects(moveOrder(db, { userId: shop.admin.id, roles: ['admin'] }, order.id, await orderVersion(db, order.id), { intent: 'cancel' }, 'Too late'), { message: /there is no “cancel” from there/ });
  const statuses = await db.selectFrom('line_items').select('status').where('order_id', '=', order.id).orderBy('position').execute();
  t.same(statuses.map((item) => item.status), ['in_progress', 'pending'], 'its items are untouched: each is cancelled from its queue');
});

t.test('an order approved before sheets existed is invoiced: its sheets are drawn and frozen then', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Sign A', unitPrice: '10.00' }]);
  await db.deleteFrom('documents').where('owner_id', '=', order.id).execute();
  const { issueInvoice } = await import('../../src/invoices/invoices.js');
  const { invoice } = await issueInvoice(db, { userId: shop.admin.id }, order.id);
  t.equal(invoice.total, '10.00');
  t.match(await sheets(db, order.id), [{ kind: 'invoice', latest: 1 }, { kind: 'price-sheet', latest: 1, frozen: 1 }, { kind: 'work-sheet', latest: 1, frozen: 1 }]);
});

t.test('an item cancelled after approval draws the sheets again; cancelling the order draws them once', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Sign A' }, { description: 'Sign B' }, { description: 'Sign C' }]);
  const [first] = order.items;
  await transition(db, { type: 'line_item', id: first!.id }, { userId: shop.admin.id, roles: ['admin'] }, { expectedVersion: first!.version, to: 'cancelled', input: { reason: 'Not needed' } });
  t.match(await sheets(db, order.id), [{ kind: 'price-sheet', latest: 2, frozen: 1 }, { kind: 'work-sheet', latest: 2, frozen: 1 }]);
  t.match(await sheetText(db, (await sheets(db, order.id))[0]!.id), 'Sign A (cancelled: not charged)');
  await moveOrder(db, { userId: shop.admin.id, roles: ['admin'] }, order.id, await orderVersion(db, order.id), { intent: 'cancel' }, 'Customer closed');
  t.match(await sheets(db, order.id), [{ latest: 3 }, { latest: 3 }], 'one more version each, not one per item');
});

t.test('an order whose items cannot all be cancelled is not cancelled', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Sign A' }]);
  await db.deleteFrom('workflow_transitions').where('workflow', '=', 'production').where('from_status', '=', 'pending').where('intent', '=', 'cancel').execute();
  await db.updateTable('workflows').set({ revision: sql<number>`revision + 1` }).where('key', '=', 'production').execute();
  await t.rejects(moveOrder(db, { userId: shop.admin.id, roles: ['admin'] }, order.id, await orderVersion(db, order.id), { intent: 'cancel' }, 'x'), { message: /cannot be cancelled: one item is in “Pending”, which has no Cancel move/ });
  t.equal((await db.selectFrom('orders').select('status').where('id', '=', order.id).executeTakeFirstOrThrow()).status, 'approved', 'nothing changed');
});

t.test('a sheet is drawn only when what it prints changed', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Sign A', unitPrice: '10.00' }]);
  const versions = async () => (await sheets(db, order.id)).map((sheet) => `${sheet.kind} v${sheet.latest}`);
  const { refreshOrderSheets } = await import('../../src/orders/sheets.js');
  await db.updateTable('shop_settings').set({ reply_to_email: 'office@shop.test', customer_email_delay_seconds: 5 }).execute();
  await refreshOrderSheets(db, { userId: shop.admin.id }, order.id);
  t.same(await versions(), ['price-sheet v1', 'work-sheet v1'], 'settings neither sheet prints');
  await db.updateTable('shop_settings').set({ tax_rate: '5' }).execute();
  await refreshOrderSheets(db, { userId: shop.admin.id }, order.id);
  t.same(await versions(), ['price-sheet v2', 'work-sheet v1'], 'the tax rate is on the price sheet only');
  const drawnAgain = await db.selectFrom('document_versions').innerJoin('documents', 'documents.id', 'document_versions.document_id').select(['documents.kind', 'document_versions.source_sha256']).where('documents.owner_id', '=', order.id).execute();
  t.ok(drawnAgain.every((row) => row.source_sha256 !== null), 'each version remembers what it was drawn from');
});

t.test('an invoiced order’s items are not cancelled, and a cancelled order’s items are not taken back', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const admin: TransitionActor = { userId: shop.admin.id, roles: ['admin'] };
  const invoiced = await placeOrder(db, shop, [{ description: 'Sign A' }, { description: 'Sign B' }]);
  const { issueInvoice } = await import('../../src/invoices/invoices.js');
  await issueInvoice(db, admin, invoiced.id);
  const refused = await transition(db, { type: 'line_item', id: invoiced.items[0]!.id }, admin, { expectedVersion: invoiced.items[0]!.version, to: 'cancelled', input: { reason: 'Not wanted' } }).catch((error: unknown) => error);
  t.match((refused as ValidationError).fieldErrors, { form: /has invoice INV-1001, which is final/ });

  const cancelled = await placeOrder(db, shop, [{ description: 'Sign C' }]);
  await moveOrder(db, admin, cancelled.id, await orderVersion(db, cancelled.id), { intent: 'cancel' }, 'Gone');
  const item = await db.selectFrom('line_items').select(['id', 'version']).where('order_id', '=', cancelled.id).executeTakeFirstOrThrow();
  const reopened = await transition(db, { type: 'line_item', id: item.id }, admin, { expectedVersion: item.version, to: 'pending', input: { reason: 'Oops' } }).catch((error: unknown) => error);
  t.match((reopened as ValidationError).fieldErrors, { form: /is cancelled: its items stay cancelled/ });
});

t.test('once accounting approved an order, only an admin cancels one of its items', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  await db.updateTable('shop_settings').set({ order_approval: 'sequence' }).execute();
  const accounting: TransitionActor = { userId: (await createUser(db, ['accounting'])).id, roles: ['accounting'] };
  const qa: TransitionActor = { userId: (await createUser(db, ['qa'])).id, roles: ['qa'] };
  const sales: TransitionActor = { userId: shop.sales.id, roles: ['sales'] };
  const order = await placeOrder(db, shop, [{ description: 'Sign A' }, { description: 'Sign B' }]);
  await submitOrder(db, sales, order.id, await orderVersion(db, order.id));
  const draftItem = await db.selectFrom('line_items').select(['id', 'version']).where('order_id', '=', order.id).orderBy('position').executeTakeFirstOrThrow();
  await reviewOrder(db, accounting, order.id, await orderVersion(db, order.id), { kind: 'accounting', decision: 'approved', reasonCode: '', comment: '' });
  await reviewOrder(db, qa, order.id, await orderVersion(db, order.id), { kind: 'qa', decision: 'approved', reasonCode: '', comment: '' });
  const [first, second] = await db.selectFrom('line_items').select(['id', 'version']).where('order_id', '=', order.id).orderBy('position').execute();
  t.equal(first!.id, draftItem.id);
  const refused = await transition(db, { type: 'line_item', id: first!.id }, sales, { expectedVersion: first!.version, to: 'cancelled', input: { reason: 'Smaller order' } }).catch((error: unknown) => error);
  t.match((refused as ValidationError).fieldErrors, { form: /Accounting approved what order \d+ charges: only an admin cancels its items/ }, 'sales cannot lower the charge by cancelling a line');
  await transition(db, { type: 'line_item', id: second!.id }, { userId: shop.admin.id, roles: ['admin'] }, { expectedVersion: second!.version, to: 'cancelled', input: { reason: 'Smaller order' } });
  t.equal((await db.selectFrom('line_items').select('status').where('id', '=', second!.id).executeTakeFirstOrThrow()).status, 'cancelled', 'an admin may');
});

t.test('an order backdated after its sheets were drawn (as the demo shop does) keeps them: nothing printed changed', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Sign A' }]);
  await sql`update orders set created_at = '2026-01-05T10:00:00Z' where id = ${order.id}`.execute(db);
  const { refreshOrderSheets } = await import('../../src/orders/sheets.js');
  await refreshOrderSheets(db, { userId: shop.admin.id }, order.id);
  t.match(await sheets(db, order.id), [{ latest: 1, frozen: 1 }, { latest: 1, frozen: 1 }]);
});
