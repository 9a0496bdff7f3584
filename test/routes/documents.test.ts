import t from 'tap';
import { orderStatusPurpose } from '../../src/notifications/customer-updates.js';
import { sniffFileType } from '../../src/documents/file-types.js';
import { issueToken } from '../../src/platform/tokens.js';
import { buildTestApp, Client, signedInClient, textOf } from '../helpers/app.js';
import { itemInput, placeOrder, seedShop } from '../helpers/shop.js';

const pdf = (text: string) => Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% ${text}\ntrailer << /Root 1 0 R >>\n%%EOF\n`);
const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a80000000049454e44ae426082', 'hex');

t.test('file types are read from the bytes, not the name', async (t) => {
  t.same(await sniffFileType(pdf('x'), 'drawing.pdf'), { contentType: 'application/pdf', label: 'PDF' });
  t.same(await sniffFileType(png, 'proof.pdf'), { contentType: 'image/png', label: 'PNG image' }, 'a PNG named .pdf is a PNG');
  t.equal(await sniffFileType(Buffer.from('<html><script>alert(1)</script></html>'), 'invoice.pdf'), undefined, 'HTML named .pdf is refused');
  t.same(await sniffFileType(Buffer.from('qty,description\n2,Yard sign\n'), 'list.csv'), { contentType: 'text/csv', label: 'CSV' });
  t.same(await sniffFileType(Buffer.from('Käse für Straße — naïve café\n'), 'notes.txt'), { contentType: 'text/plain', label: 'Text' }, 'UTF-8 text');
  t.equal(await sniffFileType(Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00]), 'setup.txt'), undefined, 'a program is refused');
  t.equal(await sniffFileType(Buffer.from([0x00, 0x01, 0x02, 0x03]), 'blob.txt'), undefined, 'binary without a signature is refused');
  t.equal(await sniffFileType(Buffer.from('<svg onload="alert(1)"/>'), 'logo.svg'), undefined, 'text is taken only as .txt or .csv');
});

t.test('documents on an order: attach, refuse by content, versions, who may see them, customer links', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Lobby sign' }]);
  const other = await placeOrder(db, shop, [{ description: 'Banner' }]);
  const { client: sales } = await signedInClient(app, db, ['sales']);
  const { client: production } = await signedInClient(app, db, ['production']);
  const path = `/orders/${order.id}`;

  let page = await sales.get(path);
  t.match(textOf(page.body), /Documents Document Latest version Who may see it Earlier versions Price sheet drawn by Traveler from the order Approved: v1 order-\d+-price-sheet\.pdf[\s\S]*Work sheet drawn by Traveler/, 'an order approved as entered has its sheets, and nothing else yet');
  t.notMatch(page.body, /A new version of “(Work|Price) sheet”/, 'nobody uploads over a generated sheet');
  t.match(page.body, /enctype="multipart\/form-data"/);
  t.notMatch((await production.get(path)).body, /action="\/orders\/\d+\/documents"/, 'production may read, not attach');
  t.equal((await production.upload(`${path}/documents`, { title: 'x', visibility: 'internal' }, { name: 'x.pdf', data: pdf('x') })).statusCode, 403);
  t.equal((await sales.upload(`${path}/documents`, { title: 'x', visibility: 'internal' }, { name: 'x.pdf', data: pdf('x') }, { csrf: false })).statusCode, 403, 'no CSRF token, no upload');

  const disguised = await sales.upload(`${path}/documents`, { title: 'Signed PO', visibility: 'customer' }, { name: 'po.pdf', contentType: 'application/pdf', data: Buffer.from('<html><script>alert(1)</script></html>') });
  t.equal(disguised.statusCode, 422, 'HTML named .pdf is refused');
  t.match(disguised.body, /id="field-file-error"[^>]*>Traveler keeps PDF, images.*“po\.pdf” is none of these\. Choose the file again\./);
  t.match(disguised.body, /name="title"[^>]*value="Signed PO"/, 'the title is kept');
  t.match(disguised.body, /<option value="customer" selected>/, 'and who may see it');
  t.equal((await sales.upload(`${path}/documents`, { title: '', visibility: 'internal' })).statusCode, 422, 'no file chosen');

  t.equal((await sales.upload(`${path}/documents`, { title: 'Proof', visibility: 'nobody' }, { name: 'proof.png', data: png })).statusCode, 422, 'an unknown visibility');
  t.equal((await sales.upload(`${path}/documents`, { title: '', visibility: 'internal' }, { name: 'C:\\fakepath\\Proof v1.png', data: png })).statusCode, 303);
  const [proof] = await db.selectFrom('documents').select(['id', 'title', 'version']).where('owner_id', '=', order.id).where('kind', '=', 'upload').execute();
  t.equal(proof!.title, 'Proof v1.png', 'the file name, without its path, is the title');

  const first = await sales.get(`/documents/${proof!.id}/versions/1`);
  t.equal(first.statusCode, 200);
  t.equal(first.headers['content-type'], 'image/png', 'the type found in the bytes');
  t.match(String(first.headers['content-disposition']), /^attachment; filename="Proof v1\.png"/);
  t.equal(first.headers['x-content-type-options'], 'nosniff');
  t.match(String(first.headers['content-security-policy']), /sandbox/);
  t.same(first.rawPayload, png, 'the bytes as uploaded');

  page = await sales.get(path);
  t.equal((await sales.upload(`${path}/documents`, { documentId: String(proof!.id), title: '', visibility: 'internal' }, { name: 'proof-final.pdf', data: pdf('final') })).statusCode, 303);
  page = await sales.get(path);
  t.match(textOf(page.body), /Proof v1\.png proof-final\.pdf v2 .* Staff only .* v1/, 'v2 is the latest; v1 is listed');
  t.same((await production.get(`/documents/${proof!.id}/versions/1`)).rawPayload, png, 'v1 is still there, unchanged');
  t.match((await production.get(`/documents/${proof!.id}/versions/2`)).rawPayload.toString(), /final/);
  t.equal((await production.get(`/documents/${proof!.id}/versions/3`)).statusCode, 404);
  t.equal((await production.get('/documents/999999/versions/1')).statusCode, 404, 'a guessed document is a 404');
  t.equal((await sales.upload(`/orders/${other.id}/documents`, { documentId: String(proof!.id), title: '', visibility: 'internal' }, { name: 'a.pdf', data: pdf('a') })).statusCode, 404, 'a version only for a document of that order');

  const { token } = await issueToken(db, { purpose: orderStatusPurpose, subjectType: 'order', subjectId: order.id, lifetimeMs: 3_600_000, createdBy: null });
  const customer = new Client(app);
  t.notMatch((await customer.get(`/status/${token}`)).body, /Proof v1/, 'staff-only documents are not on the customer’s page');
  t.equal((await customer.get(`/status/${token}/documents/${proof!.id}`)).statusCode, 404);

  const current = await db.selectFrom('documents').select('version').where('id', '=', proof!.id).executeTakeFirstOrThrow();
  t.equal((await sales.post(`/documents/${proof!.id}/visibility`, { version: String(current.version - 1), visibility: 'customer' })).statusCode, 409, 'a visibility change from an old page');
  t.equal((await sales.post(`/documents/${proof!.id}/visibility`, { version: String(current.version), visibility: 'customer' })).statusCode, 303);
  t.match(textOf((await customer.get(`/status/${token}`)).body), /Documents Proof v1\.png proof-final\.pdf/, 'shared with the customer');
  const shared = await customer.get(`/status/${token}/documents/${proof!.id}`);
  t.equal(shared.statusCode, 200);
  t.match(shared.rawPayload.toString(), /final/, 'the latest version');

  const { token: otherToken } = await issueToken(db, { purpose: orderStatusPurpose, subjectType: 'order', subjectId: other.id, lifetimeMs: 3_600_000, createdBy: null });
  t.equal((await customer.get(`/status/${otherToken}/documents/${proof!.id}`)).statusCode, 404, 'another order’s link does not open it');
  t.equal((await customer.get(`/status/${'x'.repeat(43)}/documents/${proof!.id}`)).statusCode, 404);

  const history = textOf((await sales.get(path)).body);
  t.match(history, /attached “Proof v1\.png” \(Proof v1\.png\)/);
  t.match(history, /attached version 2 of “Proof v1\.png” \(proof-final\.pdf\)/);
  t.match(history, /changed who may see “Proof v1\.png”: Staff only → Staff, installers and the customer/);
});

t.test('a new order from a previous one takes copies of its documents', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const previous = await placeOrder(db, shop, [{ description: 'Window lettering' }]);
  const { client: sales } = await signedInClient(app, db, ['sales']);
  await sales.get(`/orders/${previous.id}`);
  t.equal((await sales.upload(`/orders/${previous.id}/documents`, { title: 'Artwork', visibility: 'customer' }, { name: 'artwork.pdf', data: pdf('artwork') })).statusCode, 303);
  await sales.get(`/orders/new?from=${previous.id}`);
  const saved = await sales.post('/orders', {
    customerId: String(shop.customerId), salespersonId: '', dueDate: '', notes: '', version: '', copiedFrom: String(previous.id), action: 'save',
    item_itemId: '', item_number: '', item_description: 'Window lettering', item_quantity: '1', item_unitPrice: '90.00', item_machineId: '', item_materialId: '', item_fulfillmentMethod: 'pickup', item_dueDate: '', item_assigneeId: '', item_notes: '', item_expectedHours: '',
  });
  t.equal(saved.statusCode, 303);
  const copy = await db.selectFrom('orders').select('id').where('copied_from_id', '=', previous.id).executeTakeFirstOrThrow();
  const copied = await db.selectFrom('documents').innerJoin('document_versions', 'document_versions.document_id', 'documents.id').select(['documents.title', 'documents.visibility', 'document_versions.content']).where('documents.owner_id', '=', copy.id).where('documents.kind', '=', 'upload').execute();
  t.equal(copied.length, 1);
  t.same([copied[0]!.title, copied[0]!.visibility], ['Artwork', 'customer']);
  t.match(copied[0]!.content.toString(), /artwork/, 'the same bytes');

  const otherCustomer = await db.insertInto('customers').values({ name: 'Omar Other', company: '', email: 'omar@other.test', phone: '', address: '', email_updates: true, updated_at: new Date() }).returning('id').executeTakeFirstOrThrow();
  await sales.get(`/orders/new?from=${previous.id}`);
  t.equal((await sales.post('/orders', {
    customerId: String(otherCustomer.id), salespersonId: '', dueDate: '', notes: '', version: '', copiedFrom: String(previous.id), action: 'save',
    item_itemId: '', item_number: '', item_description: 'Window lettering', item_quantity: '1', item_unitPrice: '90.00', item_machineId: '', item_materialId: '', item_fulfillmentMethod: 'pickup', item_dueDate: '', item_assigneeId: '', item_notes: '', item_expectedHours: '',
  })).statusCode, 303);
  const forOther = await db.selectFrom('orders').innerJoin('documents', 'documents.owner_id', 'orders.id').select('documents.visibility').where('orders.customer_id', '=', otherCustomer.id).where('documents.kind', '=', 'upload').execute();
  t.same(forOther.map((row) => row.visibility), ['internal'], 'copied for another customer, a customer’s document becomes staff-only');
});

t.test('a document attached to one item: listed on the item and the order, shared per file, versions kept', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Lobby sign' }, { description: 'Door decal' }]);
  const other = await placeOrder(db, shop, [{ description: 'Banner' }]);
  const { client: sales } = await signedInClient(app, db, ['sales']);
  const path = `/orders/${order.id}`;
  const [, decal] = order.items;

  t.match((await sales.get(path)).body, new RegExp(`<option value="item-${decal!.id}">Item \\d+ · 2/2: Door decal</option>`), 'the attach form offers each item');
  const foreign = await sales.upload(`${path}/documents`, { title: 'Proof', visibility: 'internal', attachTo: `item-${other.items[0]!.id}` }, { name: 'proof.png', data: png });
  t.equal(foreign.statusCode, 422, 'another order’s item is refused');
  t.match(foreign.body, /id="field-attachTo-error"[^>]*>Choose the order or one of its items\./);
  t.equal((await sales.upload(`${path}/documents`, { title: 'Decal proof', visibility: 'internal', attachTo: 'item-x' }, { name: 'proof.png', data: png })).statusCode, 422);

  t.equal((await sales.upload(`${path}/documents`, { title: 'Decal proof', visibility: 'internal', attachTo: `item-${decal!.id}` }, { name: 'proof.png', data: png })).statusCode, 303);
  const document = await db.selectFrom('documents').select(['id', 'owner_type', 'owner_id', 'version']).where('title', '=', 'Decal proof').executeTakeFirstOrThrow();
  t.match(document, { owner_type: 'line_item', owner_id: decal!.id });
  t.match(textOf((await sales.get(`/items/${decal!.id}`)).body), /Documents Decal proof proof\.png · v1/, 'the item page lists it');
  t.match(textOf((await sales.get(`/items/${order.items[0]!.id}`)).body), /Documents No documents for this item\./);
  t.match(textOf((await sales.get(path)).body), /Decal proof for item \d+ · 2\/2/, 'the order page says which item');

  t.equal((await sales.upload(`${path}/documents`, { title: '', visibility: 'internal', documentId: String(document.id) }, { name: 'proof-2.pdf', data: pdf('v2') })).statusCode, 303, 'a new version of an item’s document');
  t.equal((await db.selectFrom('documents').select('latest_version').where('id', '=', document.id).executeTakeFirstOrThrow()).latest_version, 2);
  t.equal((await sales.upload(`/orders/${other.id}/documents`, { title: '', visibility: 'internal', documentId: String(document.id) }, { name: 'x.pdf', data: pdf('x') })).statusCode, 404, 'not through another order');

  const { version } = await db.selectFrom('documents').select('version').where('id', '=', document.id).executeTakeFirstOrThrow();
  t.equal((await sales.post(`/documents/${document.id}/visibility`, { version: String(version), visibility: 'customer' })).statusCode, 303, 'an item’s document is shared like the order’s');
  const { token } = await issueToken(db, { purpose: orderStatusPurpose, subjectType: 'order', subjectId: order.id, lifetimeMs: 3_600_000, createdBy: null });
  t.match(textOf((await new Client(app).get(`/status/${token}`)).body), /Documents Decal proof proof-2\.pdf/);

  const { createOrder } = await import('../../src/orders/orders.js');
  const copy = await createOrder(db, { userId: shop.sales.id }, { customerId: String(shop.customerId), salespersonId: '', dueDate: '', notes: '', items: [itemInput()], copiedFromId: order.id });
  const copied = await db.selectFrom('documents').select(['title', 'owner_type', 'visibility']).where('owner_id', '=', copy.id).where('kind', '=', 'upload').execute();
  t.same(copied, [{ title: 'Decal proof', owner_type: 'order', visibility: 'customer' }], 'a new order from this one takes the item’s document too, on the order');
});
