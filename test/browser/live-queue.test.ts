import pino from 'pino';
import t from 'tap';
import { freePort } from '../../src/db/embedded.js';
import { startTraveler } from '../../src/lifecycle.js';
import { createUser, testConfig } from '../helpers/app.js';
import { launchChromium, signedInPage } from '../helpers/browser.js';
import { freshDatabase } from '../helpers/database.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

t.test('a status change in one browser leaves the same queue open in another within 5 s', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const { db, url } = await freshDatabase(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Acrylic lobby sign' }, { description: 'Vinyl window lettering' }]);
  const first = order.items[0]!;
  const worker = await createUser(db, ['production'], { email: 'worker@shop.test' });
  const office = await createUser(db, ['production'], { email: 'office@shop.test' });
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const traveler = await startTraveler(testConfig({ databaseUrl: url, port, baseUrl }), pino({ level: 'silent' }));
  t.teardown(() => traveler.stop());

  const a = await signedInPage(browser, baseUrl, worker.email);
  const b = await signedInPage(browser, baseUrl, office.email);
  const errors: string[] = [];
  for (const page of [a.page, b.page]) page.on('pageerror', (error) => errors.push(error.message));
  await a.page.goto(`${baseUrl}/queues/pending`);
  await b.page.goto(`${baseUrl}/queues/pending`);
  const rowInB = b.page.locator(`#item-${first.id}`);
  t.equal(await rowInB.count(), 1, 'both see the item');
  // A selection in progress in the second browser must survive the refresh.
  await b.page.locator(`#select-${order.items[1]!.id}`).check();

  await a.page.locator(`#item-${first.id}`).getByRole('button', { name: 'Start work' }).click();
  await a.page.locator(`#item-${first.id}`).waitFor({ state: 'detached', timeout: 3000 });
  t.pass('the row leaves the queue in the browser that made the change');
  t.match(await a.page.locator('#queue-counts').textContent(), /Work in progress\s*1/, 'its counts update in the same response');
  const changedAt = Date.now();

  await rowInB.waitFor({ state: 'detached', timeout: 5000 });
  const seenAfter = Date.now() - changedAt;
  t.ok(seenAfter <= 5000, `the other browser saw it after ${seenAfter} ms`);
  t.match(await b.page.locator('#queue-counts').textContent(), /Pending\s*1/, 'and its counts follow');
  t.ok(await b.page.locator(`#select-${order.items[1]!.id}`).isChecked(), 'the selection made there is kept');
  t.same(errors, [], 'no script errors');
  await a.context.close();
  await b.context.close();
});
