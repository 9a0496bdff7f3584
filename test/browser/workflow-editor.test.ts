import pino from 'pino';
import t from 'tap';
import { freePort } from '../../src/db/embedded.js';
import { startTraveler } from '../../src/lifecycle.js';
import { createUser, testConfig } from '../helpers/app.js';
import { launchChromium, scanOnTablet, signedInPage, signedInTablet } from '../helpers/browser.js';
import { freshDatabase } from '../helpers/database.js';
import { createStation, givePin } from '../helpers/kiosk.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

t.test('an admin adds “Proof approval” in the editor; a worker moves an item through it on a kiosk while the office queue shows it', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const { db, url } = await freshDatabase(t);
  const shop = await seedShop(db);
  const admin = await createUser(db, ['admin'], { name: 'Ada Admin', email: 'ada@shop.test' });
  const office = await createUser(db, ['production'], { name: 'Pat Planner', email: 'pat@shop.test' });
  const worker = await createUser(db, ['production'], { name: 'Wes Worker' });
  const pin = await givePin(db, worker.id, '4812');
  const kioskId = await createStation(db, shop.admin.id, { name: 'Print room' });
  const order = await placeOrder(db, shop, [{ description: 'Storefront banner', fulfillmentMethod: 'pickup' }]);
  const item = order.items[0]!;
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const traveler = await startTraveler(testConfig({ databaseUrl: url, port, baseUrl }), pino({ level: 'silent' }));
  t.teardown(() => traveler.stop());

  // The admin, at a desk, adds the status between Pending and Work in progress.
  const { page: editor, problems: editorProblems } = await signedInPage(browser, baseUrl, admin.email, { width: 1280, height: 900 });
  await editor.locator('nav[aria-label="Main"] summary', { hasText: 'Admin' }).click();
  await editor.getByRole('link', { name: 'Workflows' }).click();
  await editor.getByRole('link', { name: 'Production' }).first().click();
  t.match(await editor.locator('h1').textContent(), /Production/);
  t.equal(await editor.locator('svg[role="img"]').count(), 1, 'the workflow is drawn as a diagram');
  const addStatus = editor.locator('#add-status');
  await addStatus.getByLabel('Name', { exact: true }).fill('Proof approval');
  await addStatus.getByLabel('What the customer sees').fill('Waiting for your proof approval');
  await addStatus.getByLabel('Queue it is listed in').selectOption({ label: 'A new queue with this name' });
  await addStatus.getByLabel('Comes after').selectOption({ label: 'Pending' });
  await addStatus.getByLabel('Goes on to').selectOption({ label: 'Work in progress' });
  await addStatus.getByLabel(/Replace the direct move/).check();
  await addStatus.getByLabel(/Can be put on hold and cancelled/).check();
  await addStatus.getByRole('button', { name: 'Add status' }).click();
  await editor.locator('svg[role="img"] text', { hasText: 'Proof approval' }).first().waitFor();
  t.pass('the diagram shows the new status');
  t.match(await editor.locator('#status-proof_approval td').first().textContent(), /Proof approval/, 'and the statuses table lists it');
  t.ok(await editor.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), 'the editor fits a 1280 px screen');

  // The office opens the new queue, which the navigation now lists.
  const { page: queue, problems: officeProblems } = await signedInPage(browser, baseUrl, office.email, { width: 1280, height: 900 });
  await queue.goto(`${baseUrl}/queues/pending`);
  await queue.getByRole('link', { name: /Proof approval/ }).first().click();
  await queue.waitForURL(`${baseUrl}/queues/proof_approval`);
  t.equal(await queue.locator(`#item-${item.id}`).count(), 0, 'the new queue starts empty');

  // The worker moves the item into it at the kiosk, with no code change anywhere.
  const { context: tabletContext, page: tablet, problems: tabletProblems } = await signedInTablet(browser, baseUrl, db, shop.admin.id, kioskId, 'Wes Worker', pin);
  await scanOnTablet(tablet, `${order.number}-1`, `${order.number} · 1/1`);
  t.equal(await tablet.getByRole('button', { name: 'Start work' }).count(), 0, 'Pending no longer goes straight into work');
  await tablet.getByRole('button', { name: 'Proof approval' }).tap();
  await tablet.getByText(`${order.number} · 1/1 is now Proof approval`).waitFor();
  const movedAt = Date.now();
  await queue.locator(`#item-${item.id}`).waitFor({ timeout: 5000 });
  t.ok(Date.now() - movedAt <= 5000, `the office’s Proof approval queue shows it after ${Date.now() - movedAt} ms`);

  // Approved: from Proof approval, the kiosk's Start work takes it into work.
  await tablet.getByRole('button', { name: 'Start work' }).tap();
  await tablet.getByText('is now in work').waitFor();
  await queue.locator(`#item-${item.id}`).waitFor({ state: 'detached', timeout: 5000 });
  t.pass('and it leaves the office’s Proof approval queue when work starts');

  const moves = await db
    .selectFrom('events')
    .select(['from_status', 'to_status', 'actor_via'])
    .where('subject_type', '=', 'line_item')
    .where('subject_id', '=', item.id)
    .where('action', '=', 'status-changed')
    .orderBy('id')
    .execute();
  t.same(
    moves.map((m) => [m.from_status, m.to_status, m.actor_via]),
    [
      ['pending', 'proof_approval', 'kiosk Print room'],
      ['proof_approval', 'in_progress', 'kiosk Print room'],
    ],
    'the history shows the item passing through the new status, at the kiosk',
  );
  t.same([...editorProblems, ...officeProblems, ...tabletProblems], [], 'no script errors or CSP violations');
  await tabletContext.close();
});
