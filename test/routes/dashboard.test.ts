import t from 'tap';
import { buildTestApp, Client, createUser, signedInClient } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

t.test('the start page shows each person what is theirs', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  await placeOrder(db, shop, [{ dueDate: '2020-01-01' }, { dueDate: '2099-01-01' }, {}]);

  const { client: production } = await signedInClient(app, db, ['production']);
  const page = await production.get('/');
  t.match(page.body, /<h2>Your queues<\/h2>/);
  t.match(page.body, /id="my-queue-pending" class="attention">\s*<p class="stat">3<\/p>[\s\S]*?3 new · <a href="\/queues\/pending\?overdue=1">1 overdue<\/a>/, 'pending: 3 items, all new, one late');
  t.match(page.body, /id="my-queue-wip">\s*<p class="stat">0<\/p>[\s\S]*?none overdue/);
  t.notMatch(page.body, /my-queue-awaiting_pickup/, 'only the queues this person owns');

  const sales = new Client(app);
  await sales.signIn(shop.sales.email);
  const salesPage = await sales.get('/');
  t.match(salesPage.body, /You have <a href="\/orders"><strong>1<\/strong> order with items still in the works<\/a>/);
  t.match(salesPage.body, /my-queue-awaiting_pickup/, 'sales owns the pickup queue by role');

  const order = await db.selectFrom('line_items').select(['id', 'order_number', 'position']).orderBy('id').executeTakeFirstOrThrow();
  await production.post(`/items/${order.id}/transitions`, { version: '1', from: 'pending', to: 'in_progress' });
  t.match((await production.get('/')).body, new RegExp(`moved <a href="/items/${order.id}">${order.order_number} · ${order.position}/3</a> to Work in progress`), 'activity reads as what happened, and links to the item');

  const { client: admin } = await signedInClient(app, db, ['admin']);
  const adminPage = await admin.get('/');
  t.notMatch(adminPage.body, /Your queues/, 'admins own no queue unless they choose to');
  t.match(adminPage.body, /Active users/);
});

t.test("the owner's start page: the whole shop at a glance, and activity that names what it is about", async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ dueDate: '2020-01-01' }, { dueDate: '2020-01-02' }, {}]);
  const { client: production } = await signedInClient(app, db, ['production']);
  await production.get('/queues/pending');
  await production.post(`/items/${order.items[2]!.id}/transitions`, { version: '1', from: 'pending', to: 'on_hold', reason: 'No artwork yet' });

  const { client: admin } = await signedInClient(app, db, ['admin']);
  const page = await admin.get('/');
  t.match(page.body, /The shop at a glance/);
  t.notMatch(page.body, /id="links-warning"/, 'a real public address: no warning');
  t.match(page.body, /id="shop-open"><p class="stat">2<\/p>/, 'items in the works');
  t.match(page.body, /id="shop-overdue" class="attention"><p class="stat">2<\/p>/, 'what is late');
  t.match(page.body, /id="shop-on-hold" class="attention"><p class="stat">1<\/p>/);
  t.match(page.body, /id="shop-orders"><p class="stat">1<\/p>/, 'new orders this week');
  t.match(page.body, /<a href="\/queues\/pending">Pending<\/a><\/td><td class="number">2<\/td><td class="number"><a href="\/queues\/pending\?overdue=1" class="overdue-flag">2<\/a>/, 'each queue with its late items');
  t.match(page.body, new RegExp(`created <a href="/orders/${order.id}">order ${order.number}</a> for Rosa Diaz`), 'order events name the order, link to it and say whose it is');
  t.match(page.body, /created <a href="\/customers\/\d+">customer Rosa Diaz<\/a>/);
  t.match(page.body, new RegExp(`moved <a href="/items/${order.items[2]!.id}">${order.number} · 3/3</a> to On hold`));
});

t.test('people whose modules are still to come are told what they can do now', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const installer = await createUser(db, ['installer'], { name: 'Ian Installer 2' });
  await placeOrder(db, shop, [{ description: 'Storefront letters', fulfillmentMethod: 'installation', assigneeId: String(installer.id), dueDate: '2026-12-05' }]);

  const field = new Client(app);
  await field.signIn(installer.email, installer.password);
  const fieldPage = await field.get('/');
  t.match(fieldPage.body, /What you can do in Traveler today/);
  t.match(fieldPage.body, /<a href="\/account">Set your kiosk PIN<\/a>/);
  t.match(fieldPage.body, /id="assigned-to-me"[\s\S]*Storefront letters[\s\S]*due Dec 5, 2026/, 'their assigned work, with its due date');
  t.notMatch(fieldPage.body, /href="\/items\//, 'without links to pages they may not open');

  const { client: accounting } = await signedInClient(app, db, ['accounting']);
  const accountingPage = await accounting.get('/');
  t.match(accountingPage.body, /<a href="\/orders">Look up any order<\/a>/);
  t.match(accountingPage.body, /Completed lately: payment may be due/);
  const { client: qa } = await signedInClient(app, db, ['qa']);
  const qaPage = await qa.get('/');
  t.match(qaPage.body, /<a href="\/queues\/wip">See the work in progress<\/a>/);
  const { client: service } = await signedInClient(app, db, ['service']);
  t.match((await service.get('/')).body, /Nothing is assigned to you right now\./);
  const { client: sales } = await signedInClient(app, db, ['sales']);
  t.notMatch((await sales.get('/')).body, /What you can do in Traveler today/, 'desk roles have their queues instead');
});

t.test('an owner reaching Traveler over the network while BASE_URL says localhost is told links will not work', async (t) => {
  const { app, db } = await buildTestApp(t, { config: { baseUrl: 'http://localhost:3000' } });
  const { client: admin } = await signedInClient(app, db, ['admin']);
  t.notMatch((await admin.get('/', { host: 'localhost:3000' })).body, /id="links-warning"/, 'on this machine itself all is well');
  const fromTheLan = await admin.get('/', { host: '192.168.1.20:3000' });
  t.match(fromTheLan.body, /id="links-warning">Links in emails and the kiosk QR code point at http:\/\/localhost:3000, which other devices cannot open\. Set BASE_URL to the address people use \(for example http:\/\/192\.168\.1\.20:3000\)/);
  const { client: sales } = await signedInClient(app, db, ['sales']);
  t.notMatch((await sales.get('/', { host: '192.168.1.20:3000' })).body, /id="links-warning"/, 'only those who can act on it are told');
});
