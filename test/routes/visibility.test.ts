import sharp from 'sharp';
import t from 'tap';
import { batchItems } from '../../src/batches/batches.js';
import { createCustomer } from '../../src/customers/customers.js';
import { attachPhoto } from '../../src/line-items/photos.js';
import type { Role } from '../../src/platform/permissions.js';
import { recordRoutes } from '../../src/visibility/hook.js';
import { buildTestApp, Client, createUser, signedInClient, textOf } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

/** Routes with a record id that are not a customer's record: admin pages, tokens, a kiosk's own, queues by key. */
const notCustomerRecords = [/^\/admin\//, /^\/kiosk\//, /^\/password-reset\/:token/, /^\/status\/:token/, /^\/queues\/:key/, /^\/reports\//];

t.test('every route with a record id is checked for whose record it is', async (t) => {
  const { app } = await buildTestApp(t);
  const unchecked = app.routeCatalog
    .filter((route) => route.url.includes(':') && !route.staticAsset && route.method !== 'HEAD')
    .filter((route) => !notCustomerRecords.some((pattern) => pattern.test(route.url)))
    .filter((route) => !recordRoutes.some((entry) => entry.pattern.test(route.url)))
    .map((route) => `${route.method} ${route.url}`);
  t.same(unchecked, [], 'no route with a customer’s record id escapes the check');
});

t.test('the visibility matrix: each role, each kind of record, theirs, another’s and guessed ids', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  await db.updateTable('shop_settings').set({ sales_see_all_customers: false }).execute();
  const other = await createUser(db, ['sales'], { name: 'Sue Seller' });
  const theirCustomer = await createCustomer(db, { userId: shop.admin.id }, { name: 'Otto Other', company: 'Other Co', email: 'otto@other.test', phone: '', address: '', emailUpdates: false, salespersonId: String(other.id) });
  const mine = await placeOrder(db, shop, [{ description: 'My sign', unitPrice: '1234.56' }]);
  const theirs = await placeOrder(db, shop, [{ description: 'Their sign', unitPrice: '777.77' }], { customerId: theirCustomer, salespersonId: other.id });
  const myItem = mine.items[0]!.id, theirItem = theirs.items[0]!.id;
  const photo = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#123' } }).jpeg().toBuffer();
  const theirPhoto = await attachPhoto(db, { userId: shop.admin.id, kioskId: null }, theirItem, photo);
  const myPhoto = await attachPhoto(db, { userId: shop.admin.id, kioskId: null }, myItem, photo);
  const docs = async (orderId: number) => {
    const rows = await db.selectFrom('documents').select(['id', 'kind']).where('owner_type', '=', 'order').where('owner_id', '=', orderId).execute();
    return Object.fromEntries(rows.map((row) => [row.kind, row.id])) as Record<string, number>;
  };
  const myDocs = await docs(mine.id), theirDocs = await docs(theirs.id);
  t.ok(myDocs['price-sheet'] && myDocs['work-sheet'] && theirDocs['work-sheet'], 'both orders have their sheets');
  const theirBatch = (await batchItems(db, { userId: shop.admin.id }, { batchId: '', name: 'Mixed', notes: '' }, [myItem, theirItem], 'test')).batchId;
  const myBatch = (await batchItems(db, { userId: shop.admin.id }, { batchId: '', name: 'Mine', notes: '' }, [myItem], 'test')).batchId;

  const records = (ids: { order: number; item: number; customer: number; photo: number; workSheet: number; priceSheet: number; batch: number }) => ({
    order: `/orders/${ids.order}`,
    orderTraveler: `/orders/${ids.order}/traveler`,
    orderEdit: `/orders/${ids.order}/edit`,
    item: `/items/${ids.item}`,
    itemChecklist: `/items/${ids.item}/checklist`,
    customer: `/customers/${ids.customer}`,
    photo: `/photos/${ids.photo}`,
    workSheet: `/documents/${ids.workSheet}/versions/1`,
    priceSheet: `/documents/${ids.priceSheet}/versions/1`,
    batch: `/batches/${ids.batch}`,
    plan: `/planning/items/${ids.item}`,
  });
  const my = records({ order: mine.id, item: myItem, customer: shop.customerId, photo: myPhoto, workSheet: myDocs['work-sheet']!, priceSheet: myDocs['price-sheet']!, batch: myBatch });
  const their = records({ order: theirs.id, item: theirItem, customer: theirCustomer, photo: theirPhoto, workSheet: theirDocs['work-sheet']!, priceSheet: theirDocs['price-sheet']!, batch: theirBatch });
  const guessed = records({ order: 999_999, item: 999_999, customer: 999_999, photo: 999_999, workSheet: 999_999, priceSheet: 999_999, batch: 999_999 });

  // Expected status of each record page for each role: a salesperson kept to their own sees theirs only.
  const ok = 200, hidden = 404, refused = 403;
  type Expectation = Partial<Record<keyof typeof my, number>>;
  const everyone = (status: number): Expectation => Object.fromEntries(Object.keys(my).map((key) => [key, status]));
  const matrix: { role: Role; own: Expectation; other: Expectation }[] = [
    { role: 'admin', own: { ...everyone(ok), plan: ok }, other: everyone(ok) },
    {
      role: 'sales',
      own: { ...everyone(ok), plan: refused, batch: refused },
      other: { ...everyone(hidden), plan: refused, batch: refused },
    },
    { role: 'production', own: { ...everyone(ok), customer: refused, orderEdit: refused, priceSheet: hidden }, other: { ...everyone(ok), customer: refused, orderEdit: refused, priceSheet: hidden } },
    { role: 'fulfillment', own: { ...everyone(ok), customer: refused, orderEdit: refused, priceSheet: hidden }, other: { ...everyone(ok), customer: refused, orderEdit: refused, priceSheet: hidden } },
    { role: 'qa', own: { ...everyone(ok), customer: refused, orderEdit: refused, priceSheet: hidden, batch: ok }, other: { ...everyone(ok), customer: refused, orderEdit: refused, priceSheet: hidden } },
    { role: 'accounting', own: { ...everyone(ok), customer: refused, orderEdit: refused, plan: refused }, other: { ...everyone(ok), customer: refused, orderEdit: refused, plan: refused } },
    { role: 'installer', own: everyone(refused), other: everyone(refused) },
    { role: 'service', own: everyone(refused), other: everyone(refused) },
  ];
  const sam = new Client(app);
  await sam.signIn((await db.selectFrom('users').select('email').where('id', '=', shop.sales.id).executeTakeFirstOrThrow()).email);
  for (const { role, own, other } of matrix) {
    const client = role === 'sales' ? sam : (await signedInClient(app, db, [role])).client;
    for (const [which, urls, expected] of [['own', my, own], ['another salesperson’s', their, other]] as const) {
      for (const [name, url] of Object.entries(urls)) {
        const status = (await client.get(url)).statusCode;
        t.equal(status, expected[name as keyof typeof my] ?? ok, `${role}: ${name} (${which}) → ${expected[name as keyof typeof my] ?? ok}`);
      }
    }
    for (const [name, url] of Object.entries(guessed)) {
      const status = (await client.get(url)).statusCode;
      t.ok(status === 404 || status === 403, `${role}: guessed ${name} → ${status}, never a page`);
    }
  }

  // Money: prices for admin, sales and accounting only.
  for (const [role, sees] of [['admin', true], ['accounting', true], ['production', false], ['fulfillment', false], ['qa', false]] as const) {
    const { client } = await signedInClient(app, db, [role]);
    const page = textOf((await client.get(`/orders/${mine.id}`)).body);
    t.equal(page.includes('$1,234.56'), sees, `${role} ${sees ? 'sees' : 'does not see'} the price on the order page`);
    t.equal(/Price sheet/.test(page), sees, `${role} ${sees ? 'sees' : 'does not see'} the price sheet listed`);
    const list = textOf((await client.get('/orders')).body);
    t.equal(list.includes('$1,234.56'), sees, `${role}: the order list’s totals likewise`);
  }
  t.match(textOf((await sam.get(`/orders/${mine.id}`)).body), /\$1,234\.56/, 'the salesperson sees their own order’s prices');

  // Lists and forms for a salesperson kept to their own customers.
  const orders = textOf((await sam.get('/orders')).body);
  t.ok(orders.includes('Rosa Diaz') && !orders.includes('Otto Other'), 'the order list shows only their customers’ orders');
  const customers = textOf((await sam.get('/customers')).body);
  t.ok(customers.includes('Rosa Diaz') && !customers.includes('Otto Other'), 'the customer list likewise');
  const queue = (await sam.get('/queues/pending')).body;
  t.ok(queue.includes('My sign') && !queue.includes('Their sign'), 'and the queues');
  t.equal((await sam.get('/reports')).statusCode, 403, 'reports cover every customer: not for them');
  const menu = (await sam.get('/orders')).body;
  t.notMatch(menu, /<a href="\/reports"|<a href="\/monitoring"/, 'and their menu does not offer those pages');
  t.equal((await sam.get(`/batches/new?order=${theirs.id}`)).statusCode, 403, 'nor batches, which gather customers’ items');
  t.equal((await sam.get(`/orders/new?from=${theirs.id}`)).statusCode, 404, 'a repeat of another salesperson’s order is not there');
  t.equal((await sam.get(`/queues/pending?customer=${theirCustomer}`)).statusCode, 404, 'nor a queue filtered to another salesperson’s customer');
  const copied = await sam.post('/orders', {
    customerId: String(shop.customerId), salespersonId: String(shop.sales.id), dueDate: '', notes: '', copiedFrom: String(theirs.id),
    item_description: 'Copy', item_quantity: '1', item_unitPrice: '10', item_machineId: '', item_materialId: '', item_fulfillmentMethod: 'pickup', item_dueDate: '', item_assigneeId: '', item_expectedHours: '', item_notes: '', item_itemId: '', item_number: '',
  });
  t.equal(copied.statusCode, 404, 'an order that says it copies another salesperson’s order (and so its documents) is refused');
  const newOrder = (await sam.get('/orders/new')).body;
  t.ok(newOrder.includes('Rosa Diaz') && !newOrder.includes('Otto Other'), 'the order form offers only their customers');
  const forged = await sam.post('/orders', {
    customerId: String(theirCustomer), salespersonId: String(shop.sales.id), dueDate: '', notes: '',
    item_description: 'Sneaky', item_quantity: '1', item_unitPrice: '10', item_machineId: '', item_materialId: '', item_fulfillmentMethod: 'pickup', item_dueDate: '', item_assigneeId: '', item_expectedHours: '', item_notes: '', item_itemId: '', item_number: '',
  });
  t.equal(forged.statusCode, 422, 'an order for another salesperson’s customer is refused');
  t.match(textOf(forged.body), /Choose one of your customers/);
  const moved = await sam.post('/queues/pending/bulk', { item: [`${theirItem}:1`], to: 'in_progress', returnTo: '/queues/pending' });
  t.equal(moved.statusCode, 303);
  t.equal((await db.selectFrom('line_items').select('status').where('id', '=', theirItem).executeTakeFirstOrThrow()).status, 'pending', 'a forged bulk move of their item does nothing');
  const newCustomer = await sam.post('/customers', { name: 'Fresh Face', company: '', email: '', phone: '', address: '', emailUpdates: '1', salespersonId: String(other.id) });
  t.equal(newCustomer.statusCode, 303);
  const fresh = await db.selectFrom('customers').select('salesperson_id').where('name', '=', 'Fresh Face').executeTakeFirstOrThrow();
  t.equal(fresh.salesperson_id, shop.sales.id, 'a customer they add is theirs, whatever the form said');

  // A status that alerts sales: a salesperson kept to their own hears only of their customers' items.
  await db.updateTable('workflow_statuses').set({ alert_roles: ['sales'] }).where('workflow', '=', 'production').where('key', '=', 'in_progress').execute();
  const { transition } = await import('../../src/workflow/engine.js');
  await transition(db, { type: 'line_item', id: theirItem }, { userId: shop.admin.id, roles: ['admin'] }, { expectedVersion: 1, to: 'in_progress' });
  const alerted = async (userId: number) => (await db.selectFrom('alerts').select('id').where('user_id', '=', userId).where('line_item_id', '=', theirItem).where('kind', '=', 'status-entered').execute()).length;
  t.equal(await alerted(other.id), 1, 'the customer’s own salesperson is alerted');
  t.equal(await alerted(shop.sales.id), 0, 'another salesperson is not');

  // With the setting on, sales see every customer again.
  await db.updateTable('shop_settings').set({ sales_see_all_customers: true }).execute();
  t.equal((await sam.get(`/orders/${theirs.id}`)).statusCode, 200, 'the shop lets sales see all: another’s order opens');
  t.ok(textOf((await sam.get('/customers')).body).includes('Otto Other'));
});
