import pino from 'pino';
import t from 'tap';
import { freePort } from '../../src/db/embedded.js';
import { startTraveler } from '../../src/lifecycle.js';
import { testConfig } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { freshDatabase } from '../helpers/database.js';

t.test('first run in Chromium: set up the shop, see the dashboard, sign out, sign back in', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const { url } = await freshDatabase(t);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const traveler = await startTraveler(testConfig({ databaseUrl: url, port, baseUrl }), pino({ level: 'silent' }));
  t.teardown(() => traveler.stop());

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    // A 422 is the answer to the deliberately invalid form; anything else is a problem.
    if (message.type() === 'error' && !message.text().includes('status of 422')) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));

  await page.goto(`${baseUrl}/`);
  t.equal(new URL(page.url()).pathname, '/setup', 'an empty shop opens on the setup page');
  t.equal(await page.locator('h1').textContent(), 'Set up Traveler');

  await page.getByLabel('Shop name').fill('Acme Signs');
  await page.getByLabel('Your name').fill('Ada Admin');
  await page.getByLabel('Email', { exact: true }).fill('ada@acme.test');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByRole('button', { name: 'Create my shop', exact: true }).click();
  await page.waitForLoadState();
  t.match(await page.locator('#field-password-error').textContent(), /Use at least 10 characters/, 'the problem is shown beside the field');
  t.equal(await page.getByLabel('Shop name').inputValue(), 'Acme Signs', 'typed values survive');

  await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
  await page.getByRole('button', { name: 'Create my shop', exact: true }).click();
  await page.waitForURL(`${baseUrl}/`);
  t.match(await page.locator('h1').textContent(), /Hello, Ada Admin/, 'the dashboard greets the new admin');
  t.match(await page.locator('.alert-success').textContent(), /Your shop is ready/);
  const navigation = await page.locator('nav[aria-label="Main"] .nav-links a').allTextContents();
  t.same(navigation, ['Orders', 'Planning', 'Monitoring', 'Reports', 'Customers', 'Users', 'Machines & materials', 'Kiosks', 'Workflows', 'Settings', 'Carriers', 'Checklists', 'Mailbox'], 'an admin sees the admin navigation');
  t.equal(await page.locator('nav[aria-label="Main"] details.dropdown summary').textContent(), 'Admin', 'admin pages sit under one menu');
  t.ok(await page.evaluate(() => typeof (globalThis as { htmx?: unknown }).htmx === 'object'), 'htmx loaded under the CSP');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${baseUrl}/login`);
  t.equal(await page.locator('h1').textContent(), 'Sign in');

  await page.goto(`${baseUrl}/admin/users`);
  t.equal(new URL(page.url()).pathname, '/login', 'signed out: pages ask to sign in');
  await page.getByLabel('Email', { exact: true }).fill('ada@acme.test');
  await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${baseUrl}/admin/users`);
  t.equal(await page.locator('h1').textContent(), 'Users', 'back where they were headed');

  t.same(problems, [], 'no console errors or CSP violations');
  await context.close();
});
