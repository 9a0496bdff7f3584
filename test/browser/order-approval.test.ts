import { readFile } from 'node:fs/promises';
import pino from 'pino';
import t from 'tap';
import { freePort } from '../../src/db/embedded.js';
import { startTraveler } from '../../src/lifecycle.js';
import { createUser, testConfig } from '../helpers/app.js';
import { launchChromium, signedInPage } from '../helpers/browser.js';
import { freshDatabase } from '../helpers/database.js';
import { pdfText } from '../helpers/pdf.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

t.test('a repeat order through approval: sent back with a reason, fixed, resubmitted, approved by QA and accounting, its work sheet opened, invoiced and paid', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const { db, url } = await freshDatabase(t);
  const shop = await seedShop(db);
  const previous = await placeOrder(db, shop, [{ description: 'Channel letters, 24 in', unitPrice: '310.00', quantity: '9' }]);
  await db.updateTable('shop_settings').set({ order_approval: 'parallel', tax_rate: '8.25', payment_terms: 'Balance due on pickup.' }).execute();
  const accountant = await createUser(db, ['accounting'], { name: 'Ruth Accounts' });
  const inspector = await createUser(db, ['qa'], { name: 'Quinn Inspector' });
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const traveler = await startTraveler(testConfig({ databaseUrl: url, port, baseUrl }), pino({ level: 'silent' }));
  t.teardown(() => traveler.stop());

  // The manager starts a new order from the previous one, on a desktop.
  const { page: manager, problems } = await signedInPage(browser, baseUrl, shop.sales.email, { width: 1280, height: 800 });
  await manager.goto(`${baseUrl}/orders/${previous.id}`);
  await manager.getByRole('button', { name: 'New order from this one' }).click();
  await manager.getByText(`A new order from order ${previous.number}`).waitFor();
  t.equal(await manager.locator('input[name="item_description"]').first().inputValue(), 'Channel letters, 24 in', 'the lines are copied');
  await manager.getByRole('button', { name: 'Create order' }).click();
  await manager.waitForURL(/\/orders\/\d+$/);
  const orderPath = new URL(manager.url()).pathname;
  await manager.getByRole('status').getByText(/is a draft: submit it for review/).waitFor();
  await manager.getByRole('button', { name: 'Submit for review' }).click();
  await manager.getByText('Waiting for Accounting and QA to review it').waitFor();

  // Accounting sends it back with a reason, on a laptop.
  const { page: accounting, problems: accountingProblems } = await signedInPage(browser, baseUrl, accountant.email, { width: 1280, height: 800 });
  await accounting.goto(`${baseUrl}${orderPath}`);
  await accounting.getByLabel('Your decision').selectOption('rejected');
  await accounting.getByRole('button', { name: 'Record the review' }).click();
  await accounting.getByText('Choose why it goes back.').waitFor();
  t.pass('sending it back without a reason is refused beside the field');
  await accounting.getByLabel(/Why it goes back/).selectOption('prices');
  await accounting.getByLabel(/Comment for the manager/).fill('Channel letters are $340 each since October.');
  await accounting.getByRole('button', { name: 'Record the review' }).click();
  await accounting.getByRole('status').getByText('went back to its manager').waitFor();

  // The manager, on a phone, reads why, fixes the price and resubmits.
  const { page: phone } = await signedInPage(browser, baseUrl, shop.sales.email, { width: 390, height: 844 });
  await phone.goto(`${baseUrl}${orderPath}`);
  const returned = phone.locator('.order-returned');
  await returned.getByText('Channel letters are $340 each since October.').waitFor();
  t.match(await returned.textContent(), /Sent back by Ruth Accounts for Accounting.*Prices or totals are wrong/s, 'who sent it back and why, in words');
  await manager.goto(`${baseUrl}${orderPath}/edit`);
  await manager.locator('input[name="item_unitPrice"]').first().fill('340.00');
  await manager.getByRole('button', { name: 'Save order' }).click();
  await manager.getByRole('status').getByText('Order saved.').waitFor();
  await manager.getByRole('button', { name: 'Resubmit' }).click();
  await manager.getByText('Waiting for Accounting and QA to review it').waitFor();

  // QA approves first; accounting sees what changed since its review and approves.
  const { page: qa } = await signedInPage(browser, baseUrl, inspector.email, { width: 1280, height: 800 });
  await qa.goto(`${baseUrl}${orderPath}`);
  await qa.getByLabel('Your decision').selectOption('approved');
  await qa.getByRole('button', { name: 'Record the review' }).click();
  await qa.getByRole('status').getByText(/QA approved Order \d+: Accounting review/).waitFor();
  await accounting.goto(`${baseUrl}${orderPath}`);
  await accounting.getByText(/Changed since Accounting reviewed it in round 1/).waitFor();
  t.ok(await accounting.getByRole('cell', { name: '$340.00' }).first().isVisible(), 'the new price is in the table of changes');
  await accounting.getByLabel('Your decision').selectOption('approved');
  await accounting.getByRole('button', { name: 'Record the review' }).click();
  await accounting.getByRole('status').getByText(/Accounting approved Order \d+: Approved/).waitFor();
  await accounting.locator('.order-status').getByText('Approved').waitFor();
  t.ok(await accounting.getByText('Pending', { exact: true }).first().isVisible(), 'its item is in production');

  // The work sheet, frozen at approval, opens as a PDF for the floor.
  const sheetLink = accounting.locator('#documents tr', { hasText: 'Work sheet' }).getByRole('link', { name: /work-sheet\.pdf$/ });
  const [sheetDownload] = await Promise.all([accounting.waitForEvent('download'), sheetLink.click()]);
  const workSheet = await pdfText(await readFile((await sheetDownload.path())!));
  t.match(workSheet, /Work sheet · order (\d+)[\s\S]*\1 · 1\/1 \1-1 Channel letters, 24 in 9/, 'the work sheet lists the item and the code the kiosks scan');
  t.notMatch(workSheet, /\$/, 'and no prices');
  t.match(await accounting.locator('#documents tr', { hasText: 'Work sheet' }).textContent(), /Approved: v1/, 'it is the approved version');

  // Accounting issues the invoice from the approved price sheet.
  await accounting.getByText('The invoice will charge what the order charges now').waitFor();
  t.match(await accounting.locator('#invoice').textContent(), /Total\s*\$3,312\.45/, '$3,060.00 and 8.25 % tax');
  await accounting.getByRole('button', { name: 'Issue the invoice' }).click();
  await accounting.getByRole('status').getByText('Invoice INV-1001 issued.').waitFor();
  const [invoiceDownload] = await Promise.all([accounting.waitForEvent('download'), accounting.getByRole('button', { name: 'Download invoice INV-1001 (PDF)' }).click()]);
  const invoice = await pdfText(await readFile((await invoiceDownload.path())!));
  t.match(invoice, /Invoice INV-1001[\s\S]*Channel letters, 24 in[\s\S]*\$340\.00[\s\S]*\$3,060\.00[\s\S]*Sales tax \(8\.25 %\)[\s\S]*\$252\.45[\s\S]*\$3,312\.45[\s\S]*Balance due on pickup\./, 'the invoice PDF: lines, tax, total, terms');

  // Accounting records the deposit.
  await accounting.getByLabel('Amount').fill('1530.00');
  await accounting.getByLabel('How it was paid').selectOption('check');
  await accounting.getByLabel('Description').fill('Deposit, check 2231');
  await accounting.getByRole('button', { name: 'Record the payment' }).click();
  await accounting.getByRole('status').getByText('Payment recorded.').waitFor();
  t.match(await accounting.locator('#payments .balance').textContent(), /Invoice INV-1001\s*\$3,312\.45\s*Received\s*\$1,530\.00\s*Balance due\s*\$1,782\.45/, 'the balance is the invoice less the deposit');

  t.same(problems, [], 'no script or console errors for the manager');
  t.same(accountingProblems, [], 'or for accounting');
});
