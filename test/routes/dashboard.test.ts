import t from 'tap';
import { buildTestApp, Client, signedInClient } from '../helpers/app.js';
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
  t.match((await production.get('/')).body, new RegExp(`moved ${order.order_number} · ${order.position}/3 to Work in progress`), 'activity reads as what happened');

  const { client: admin } = await signedInClient(app, db, ['admin']);
  const adminPage = await admin.get('/');
  t.notMatch(adminPage.body, /Your queues/, 'admins own no queue unless they choose to');
  t.match(adminPage.body, /Active users/);
});
