import { sql } from 'kysely';
import t from 'tap';
import { issueInvoice } from '../../src/invoices/invoices.js';
import { orderStatusPurpose } from '../../src/notifications/customer-updates.js';
import { today } from '../../src/platform/format.js';
import { issueToken } from '../../src/platform/tokens.js';
import { buildTestApp, Client, createUser, signedInClient, textOf } from '../helpers/app.js';
import { pdfText } from '../helpers/pdf.js';
import { freshDatabase } from '../helpers/database.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

t.test('accounting issues the invoice from the approved price sheet; it is final, numbered, and sets the balance', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  await db.updateTable('shop_settings').set({ tax_rate: '7.5', tax_label: 'State tax', payment_terms: 'Net 15 days.' }).execute();
  const order = await placeOrder(db, shop, [{ description: 'Pylon sign', quantity: '2', unitPrice: '1000.00' }, { description: 'Door decal', unitPrice: '45.00' }, { description: 'Cancelled banner', unitPrice: '300.00' }]);
  const [, , banner] = order.items;
  const { transition } = await import('../../src/workflow/engine.js');
  await transition(db, { type: 'line_item', id: banner!.id }, { userId: shop.admin.id, roles: ['admin'] }, { expectedVersion: banner!.version, to: 'cancelled', input: { reason: 'Not wanted' } });
  const { client: accounting } = await signedInClient(app, db, ['accounting']);
  const { client: sales } = await signedInClient(app, db, ['sales']);
  const path = `/orders/${order.id}`;

  let text = textOf((await accounting.get(path)).body);
  t.match(text, /Total \$2,045\.00 before tax; 1 cancelled line not counted/, 'the order’s total leaves the cancelled line out');
  t.match(text, /Invoice The invoice will charge what the order charges now \(the approved price sheet, with any line cancelled since\), at the tax rate in Admin → Settings: Lines 2, subtotal \$2,045\.00 State tax 7\.5 %: \$153\.38 Total \$2,198\.38 Issue the invoice/, 'accounting sees what it would say');
  t.match(textOf((await sales.get(path)).body), /Invoice No invoice yet: accounting issues it once the order is approved\./);
  t.equal((await sales.post(`${path}/invoice`, {})).statusCode, 403, 'sales do not issue invoices');
  t.equal((await accounting.post(`${path}/invoice`, {}, { csrf: false })).statusCode, 403, 'no CSRF token, no invoice');
  t.equal((await accounting.post('/orders/999999/invoice', {})).statusCode, 404);

  await accounting.post(`${path}/payments`, { amount: '500.00', receivedOn: today(), method: 'check', description: 'Deposit', correctsId: '' });
  const issued = await accounting.post(`${path}/invoice`, {});
  t.equal(issued.statusCode, 303);
  const invoice = await db.selectFrom('invoices').selectAll().where('order_id', '=', order.id).executeTakeFirstOrThrow();
  t.match(invoice, { number: 'INV-1001', subtotal: '2045.00', tax_rate: '7.500', tax: '153.38', total: '2198.38', payment_terms: 'Net 15 days.', price_sheet_version: 2 });
  t.equal(invoice.lines.length, 2, 'the cancelled item is not invoiced');

  text = textOf((await accounting.get(path)).body);
  t.match(text, /Invoice Number INV-1001 ?, [A-Z][a-z]{2} \d+, \d{4} Lines 2, subtotal \$2,045\.00 State tax 7\.5 %: \$153\.38 Total \$2,198\.38/);
  t.match(text, /Payments Invoice INV-1001 \$2,198\.38 Received \$500\.00 Balance due \$1,698\.38/, 'the balance is taken from the invoice');
  t.match(text, /issued invoice INV-1001 for \$2,198\.38/, 'the history says so');

  const download = await sales.get(`/documents/${invoice.document_id}/versions/1`);
  t.equal(download.statusCode, 200);
  t.equal(download.headers['content-type'], 'application/pdf');
  const pdf = await pdfText(download.rawPayload);
  for (const expected of ['Invoice INV-1001', `Order ${order.number}`, 'Bill to Rosa Diaz, Diaz Bakery', 'Pylon sign', '$2,000.00', 'Door decal', 'Subtotal', '$2,045.00', 'State tax (7.5 %)', '$153.38', '$2,198.38', 'Received so far', '$500.00', 'Balance due', '$1,698.38', 'Net 15 days.']) {
    t.match(pdf, expected, `the invoice says “${expected}”`);
  }
  t.notMatch(pdf, 'Cancelled banner');
  const priceSheet = await db.selectFrom('documents').select(['latest_version', 'frozen_version']).where('owner_id', '=', order.id).where('kind', '=', 'price-sheet').executeTakeFirstOrThrow();
  t.same(priceSheet, { latest_version: 2, frozen_version: 1 }, 'the price sheet was drawn again for the cancelled item; the approved one is kept');

  const again = await accounting.post(`${path}/invoice`, {});
  t.equal(again.statusCode, 303, 'pressing Issue again is harmless');
  t.match(textOf((await accounting.get(path)).body), /Invoice INV-1001 was already issued for this order\./);
  t.equal((await db.selectFrom('invoices').select('id').execute()).length, 1);
  t.equal((await db.selectFrom('invoice_numbering').select('next_number').executeTakeFirstOrThrow()).next_number, 1002, 'and takes no number');

  await t.rejects(sql`update invoices set total = 1 where id = ${invoice.id}`.execute(db), /an issued invoice is final/);
  await t.rejects(sql`delete from invoices where id = ${invoice.id}`.execute(db), /an issued invoice is final/);

  const customer = new Client(app);
  const { token } = await issueToken(db, { purpose: orderStatusPurpose, subjectType: 'order', subjectId: order.id, lifetimeMs: 3_600_000, createdBy: null });
  const status = textOf((await customer.get(`/status/${token}`)).body);
  t.match(status, /Balance Invoice INV-1001 \$2,198\.38 Received \$500\.00 Balance due \$1,698\.38/, 'the customer’s page shows the balance');
  t.notMatch(status, /Invoice INV-1001 invoice-INV-1001\.pdf/, 'the invoice itself only once the shop shares it');
});

t.test('an order not approved yet is not invoiced', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  await db.updateTable('shop_settings').set({ order_approval: 'parallel' }).execute();
  const order = await placeOrder(db, shop, [{ description: 'Menu board' }]);
  const { client: accounting } = await signedInClient(app, db, ['accounting']);
  t.match(textOf((await accounting.get(`/orders/${order.id}`)).body), /Invoice The invoice is issued once the order is approved\./);
  const refused = await accounting.post(`/orders/${order.id}/invoice`, {});
  t.equal(refused.statusCode, 422);
  t.match(textOf(refused.body), /Order \d+ is “Draft”: it is invoiced once it is approved\./);
  t.equal((await db.selectFrom('invoice_numbering').select('next_number').executeTakeFirstOrThrow()).next_number, 1001, 'no number used up');
});

t.test('invoice numbers under concurrency: consecutive, none twice, one invoice per order', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const accountant = await createUser(db, ['accounting']);
  const orders = [];
  for (let i = 0; i < 10; i++) orders.push(await placeOrder(db, shop, [{ description: `Sign ${i}`, unitPrice: `${100 + i}.00` }]));
  // Each order issued twice at once, twenty transactions in all.
  const results = await Promise.all([...orders, ...orders].map((order) => issueInvoice(db, { userId: accountant.id }, order.id)));
  t.equal(results.filter((result) => result.created).length, 10, 'each order’s invoice is created once');
  const numbers = (await db.selectFrom('invoices').select('number').orderBy('number').execute()).map((row) => row.number);
  t.same(numbers, Array.from({ length: 10 }, (_, i) => `INV-${1001 + i}`), 'ten consecutive numbers, no gap, no repeat');
  for (const [index, order] of orders.entries()) {
    t.equal(results[index]!.invoice.number, results[index + 10]!.invoice.number, `both requests for order ${order.number} name the same invoice`);
  }
});
