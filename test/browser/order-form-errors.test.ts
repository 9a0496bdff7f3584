import pino from 'pino';
import type { Page } from 'playwright-core';
import t from 'tap';
import { freePort } from '../../src/db/embedded.js';
import { startTraveler } from '../../src/lifecycle.js';
import { defaultPassword, testConfig } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { freshDatabase } from '../helpers/database.js';
import { seedShop } from '../helpers/shop.js';

interface Beside {
  problem?: string;
  invalid?: string | null;
  text?: string;
  visible?: boolean;
  /** Pixels from the field's bottom edge down to the message's top edge. */
  below?: number;
  overlaps?: boolean;
}

// Runs in the page (the tests are type-checked without the DOM's types).
const besideScript = (selector: string) => `(() => {
  const field = document.querySelector(${JSON.stringify(selector)});
  if (!field) return { problem: 'no such field' };
  const describedBy = field.getAttribute('aria-describedby');
  const message = describedBy ? document.getElementById(describedBy) : null;
  if (!message) return { invalid: field.getAttribute('aria-invalid'), problem: 'no message named by aria-describedby' };
  const f = field.getBoundingClientRect();
  const m = message.getBoundingClientRect();
  const style = getComputedStyle(message);
  return {
    invalid: field.getAttribute('aria-invalid'),
    text: message.textContent.trim(),
    visible: m.width > 0 && m.height > 0 && style.visibility !== 'hidden' && style.display !== 'none',
    below: Math.round(m.top - f.bottom),
    overlaps: m.left < f.right && m.right > f.left,
  };
})()`;

const expectedErrors: [string, string, RegExp][] = [
  ['customer', '#field-customerId', /^Choose the customer\.$/],
  ['order notes', '#field-notes', /^Keep the notes under 5000 characters\.$/],
  ['quantity', '#item-row-0 [name="item_quantity"]', /^Enter a whole number of at least 1\.$/],
  ['unit price', '#item-row-0 [name="item_unitPrice"]', /^Enter a price like 125\.00\.$/],
  ['expected hours', '#item-row-0 [name="item_expectedHours"]', /^Enter hours like 1\.5, or leave it empty\.$/],
  ['item notes', '#item-row-0 [name="item_notes"]', /^Keep the notes under 2000 characters\.$/],
];

/** Drags the notes box's corner the way a person makes it taller: the browser writes that as a style attribute. */
async function resizeNotes(page: Page) {
  const box = (await page.locator('#field-notes').boundingBox())!;
  await page.mouse.move(box.x + box.width - 3, box.y + box.height - 3);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width - 3, box.y + box.height + 60, { steps: 4 });
  await page.mouse.up();
}

t.test('the order form answers invalid input with every message beside its field, within the CSP, with and without htmx', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const { db, url } = await freshDatabase(t);
  const shop = await seedShop(db);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const traveler = await startTraveler(testConfig({ databaseUrl: url, port, baseUrl }), pino({ level: 'silent' }));
  t.teardown(() => traveler.stop());

  for (const htmx of [true, false]) {
    await t.test(htmx ? 'submitted by htmx' : 'posted as a plain form (JavaScript off)', async (t) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: htmx });
      context.setDefaultTimeout(15_000);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        // Chromium logs every 4xx answer; the 422 is the answer this test asks for.
        if (message.type() === 'error' && !message.text().includes('status of 422')) problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));

      await page.goto(`${baseUrl}/login`);
      await page.getByLabel('Email', { exact: true }).fill(shop.sales.email);
      await page.getByLabel('Password', { exact: true }).fill(defaultPassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${baseUrl}/`);
      await page.goto(`${baseUrl}/orders/new`);
      if (htmx) {
        t.ok(await page.evaluate('typeof htmx === "object"'), 'htmx runs under the CSP');
        // htmx carries a swapped element's style attribute over to its replacement, which the CSP refuses.
        await resizeNotes(page);
        t.match(await page.locator('#field-notes').getAttribute('style'), /height/, 'the resized notes box carries a style attribute');
      }
      // The boxes stop typing at their limits; a form built elsewhere (or an old page) need not.
      const unlimited = (input: { removeAttribute(name: string): void }) => input.removeAttribute('maxlength');
      await page.locator('#field-notes').evaluate(unlimited);
      await page.locator('#field-notes').fill('Deliver to the side door.\n'.repeat(200));
      const row = page.locator('#item-row-0');
      await row.locator('[name="item_description"]').fill('Channel letters');
      await row.locator('[name="item_quantity"]').fill('0');
      await row.locator('[name="item_unitPrice"]').fill('abc');
      await row.locator('[name="item_expectedHours"]').fill('-1');
      await row.locator('[name="item_notes"]').evaluate(unlimited);
      await row.locator('[name="item_notes"]').fill('x'.repeat(2001));

      const answered = page.waitForResponse((response) => response.url() === `${baseUrl}/orders` && response.request().method() === 'POST');
      await page.getByRole('button', { name: 'Create order' }).click();
      t.equal((await answered).status(), 422, 'the server refuses the order');
      await page.locator('#field-customerId-error').waitFor();
      t.equal(new URL(page.url()).pathname, htmx ? '/orders/new' : '/orders', htmx ? 'htmx swapped the form in place' : 'the browser shows the answer page');

      for (const [name, selector, message] of expectedErrors) {
        const beside = (await page.evaluate(besideScript(selector))) as Beside;
        t.equal(beside.problem, undefined, `${name}: the field names its message`);
        t.equal(beside.invalid, 'true', `${name}: aria-invalid`);
        t.match(beside.text, message, `${name}: the message`);
        t.ok(beside.visible, `${name}: the message is visible`);
        t.ok(beside.below !== undefined && beside.below >= -2 && beside.below <= 40 && beside.overlaps, `${name}: the message is just below its field (${beside.below} px, overlapping: ${beside.overlaps})`);
      }
      t.equal(await row.locator('[name="item_unitPrice"]').inputValue(), 'abc', 'typed values are kept');
      t.equal(await row.locator('[name="item_description"]').inputValue(), 'Channel letters');
      t.equal(await page.locator('[style]').count(), 0, 'no element carries an inline style');
      t.same(problems, [], 'no console errors or CSP violations');
      await context.close();
    });
  }
});
