import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import pino from 'pino';
import t from 'tap';
import { freePort } from '../../src/db/embedded.js';
import { startTraveler } from '../../src/lifecycle.js';
import { createUser, testConfig } from '../helpers/app.js';
import { launchChromium, scanOnTablet, signedInPage, signedInTablet } from '../helpers/browser.js';
import { freshDatabase } from '../helpers/database.js';
import { createStation, givePin } from '../helpers/kiosk.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

t.test('a batch from a filtered queue: its bar moves as a kiosk builds the items, and its detailed report downloads as Excel', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const { db, url } = await freshDatabase(t);
  const shop = await seedShop(db);
  const kioskId = await createStation(db, shop.admin.id, { name: 'Router bay', machineIds: [shop.machines.router] });
  const worker = await createUser(db, ['production'], { name: 'Wes Worker' });
  const pin = await givePin(db, worker.id, '4812');
  const router = String(shop.machines.router);
  const order = await placeOrder(db, shop, [
    { description: 'Menu board', machineId: router },
    { description: 'Menu board', machineId: router },
    { description: 'Menu board', machineId: router },
    { description: 'Printed banner', machineId: String(shop.machines.printer) },
  ]);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const traveler = await startTraveler(testConfig({ databaseUrl: url, port, baseUrl }), pino({ level: 'silent' }));
  t.teardown(() => traveler.stop());

  // The office filters the Pending queue to the router's work and batches what it shows.
  const { page: office, problems } = await signedInPage(browser, baseUrl, shop.sales.email);
  await office.goto(`${baseUrl}/queues/pending`);
  await office.locator('.queue-filters select[name="machine"]').selectOption(router);
  await office.getByRole('button', { name: 'Apply' }).click();
  await office.waitForURL(/machine=/);
  t.equal(await office.locator('#queue-table tbody tr').count(), 3, 'the filter shows the router’s three items');
  await office.getByRole('link', { name: 'Put every item this filter shows in a batch' }).click();
  await office.getByText('3 items').waitFor();
  await office.getByLabel('Name of the new batch').fill('Spring menu boards 2027');
  await office.getByRole('button', { name: 'Put them in the batch' }).click();
  await office.waitForURL(/\/batches\/\d+$/);
  t.equal(await office.locator('h1').textContent(), 'Spring menu boards 2027');
  const readyBar = office.locator('.stacked-bar .bar-ready');
  t.equal(await readyBar.getAttribute('width'), '0', 'nothing built yet');

  // A worker at the router's kiosk starts and builds one of them.
  const { context: tabletContext, page: tablet } = await signedInTablet(browser, baseUrl, db, shop.admin.id, kioskId, 'Wes Worker', pin);
  await scanOnTablet(tablet, `${order.number}-1`, `${order.number} · 1/4`);
  await tablet.getByRole('button', { name: 'Start work' }).tap();
  await tablet.getByText('Started:').waitFor();
  await tablet.getByRole('button', { name: /^Mark BUILT · .*\(as ordered\)/ }).tap();
  await tablet.getByText('is BUILT').waitFor();

  // The batch page polls its progress: the bar moves without a reload.
  const builtAt = Date.now();
  await office.locator('.stacked-bar .bar-ready[width="333"]').waitFor({ timeout: 12_000 });
  t.pass(`the bar shows a third built ${Date.now() - builtAt} ms after the kiosk’s tap`);
  t.match(await office.locator('.batch-progress').textContent(), /0 of 3 items done, 1 more built and awaiting handover/);

  // Its detailed report, as Excel.
  const [download] = await Promise.all([office.waitForEvent('download'), office.locator('.report-links li', { hasText: 'Detailed' }).getByRole('link', { name: 'Excel' }).click()]);
  t.match(download.suggestedFilename(), /^traveler-items-batch-\d+-\d{4}-\d{2}-\d{2}\.xlsx$/);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(readFileSync((await download.path())!) as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  t.equal(sheet.rowCount, 4, 'a header and the three items');
  const statuses = [2, 3, 4].map((row) => sheet.getRow(row).getCell(6).value);
  t.same([...statuses].sort(), ['BUILT · awaiting customer pickup', 'Pending', 'Pending'], 'each item’s status as it is now');
  t.same(problems, [], 'no script or console errors in the office');
  await tabletContext.close();
});
