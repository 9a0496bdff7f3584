import pino from 'pino';
import t from 'tap';
import { freePort } from '../../src/db/embedded.js';
import { startTraveler } from '../../src/lifecycle.js';
import { planItem } from '../../src/planning/plan.js';
import { addDays } from '../../src/monitoring/working-calendar.js';
import { today } from '../../src/platform/format.js';
import { createUser, testConfig } from '../helpers/app.js';
import { seriousViolations } from '../helpers/accessibility.js';
import { launchChromium, signedInPage } from '../helpers/browser.js';
import { freshDatabase } from '../helpers/database.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

/** An item's bar: its link carries the board's window unless it is the one the board opens on. */
const barOf = (id: number) => `.plan-bar:is([href="/planning/items/${id}"], [href^="/planning/items/${id}?"])`;

t.test('a planner drags three items onto one day on the board and sees it go over capacity', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const { db, url } = await freshDatabase(t);
  const shop = await seedShop(db);
  await db.updateTable('machines').set({ capacity_minutes: 480 }).execute();
  // Next week, Monday to Wednesday, 3 h each; the planner gathers them on Thursday: 9 h of 8.
  const thisMonday = addDays(today(), 1 - (new Date(`${today()}T00:00:00Z`).getUTCDay() || 7));
  const monday = addDays(thisMonday, 7);
  const order = await placeOrder(db, shop, [1, 2, 3].map((n) => ({ description: `Cabinet face ${n}`, machineId: String(shop.machines.router), expectedHours: '3' })));
  const calendar = { timeZone: 'UTC', workDays: [1, 2, 3, 4, 5], dayStartMinute: 480, dayEndMinute: 1020, holidays: new Set<string>() };
  for (const [index, item] of order.items.entries()) {
    await planItem(db, { userId: shop.admin.id }, calendar, item.id, 0, { machineId: String(shop.machines.router), start: addDays(monday, index), end: addDays(monday, index) });
  }
  const planner = await createUser(db, ['production'], { email: 'planner@shop.test', name: 'Paula Planner' });
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const traveler = await startTraveler(testConfig({ databaseUrl: url, port, baseUrl }), pino({ level: 'silent' }));
  t.teardown(() => traveler.stop());

  const { page, problems } = await signedInPage(browser, baseUrl, planner.email, { width: 1280, height: 900 });
  await page.getByRole('link', { name: 'Planning' }).click();
  // The board opens on this week, two weeks long: next week is its second.
  await page.locator(`#planning-board[data-from="${thisMonday}"][data-days="14"]`).waitFor();
  t.equal(await page.locator('.over-summary').count(), 0, 'nothing is over capacity to begin with');
  t.same(await seriousViolations(page), [], 'axe: the board has no serious or critical violations');

  const row = page.locator(`#plan-row-${shop.machines.router} .board-days`);
  const thursday = page.locator(`#plan-row-${shop.machines.router} .board-load.gs-11`);
  for (const [index, item] of order.items.entries()) {
    const bar = page.locator(barOf(item.id));
    // Each move swaps the board: wait until the new one has settled.
    await page.locator('#planning-board:not(.htmx-settling):not(.htmx-swapping)').waitFor();
    await bar.waitFor();
    const box = (await thursday.boundingBox())!;
    const rowBox = (await row.boundingBox())!;
    await bar.dragTo(row, { targetPosition: { x: box.x - rowBox.x + box.width / 2, y: 10 } });
    // This move's own message (the one before stays until the board is swapped).
    await page.locator('#planning-board .alert-success', { hasText: `${order.number} · ${index + 1}/3 is planned ${new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${addDays(monday, 3)}T00:00:00Z`))}` }).waitFor();
    if (index < 2) t.equal(await page.locator(`#plan-row-${shop.machines.router} .board-load.over`).count(), 0, `after ${index + 1} moves Thursday is within capacity`);
  }
  await page.locator('.alert-success', { hasText: 'Over capacity on the CNC router' }).waitFor();
  t.match(await thursday.textContent(), /9\/8 h\s+over/, 'Thursday shows 9 of 8 hours, flagged over');
  t.match(await page.locator('.over-summary').textContent(), /1 machine-day is over capacity/);
  const plans = await db.selectFrom('line_items').select(['planned_start', 'planned_end']).where('order_id', '=', order.id).execute();
  t.same(plans.map((plan) => [plan.planned_start, plan.planned_end]), [1, 2, 3].map(() => [addDays(monday, 3), addDays(monday, 3)]), 'all three are planned on Thursday');

  // The form does the same without dragging (a phone, a keyboard).
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const small = await phone.newPage();
  await small.goto(`${baseUrl}/login`);
  await small.getByLabel('Email', { exact: true }).fill(planner.email);
  await small.getByLabel('Password', { exact: true }).fill('correct horse battery');
  await small.getByRole('button', { name: 'Sign in' }).click();
  await small.waitForURL(`${baseUrl}/`);
  await small.goto(`${baseUrl}/planning?from=${monday}&days=7`);
  t.ok(await small.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1'), 'at 390 px the page does not scroll sideways: the board scrolls in its own box');
  await small.locator(barOf(order.items[0]!.id)).click();
  await small.getByLabel('Planned start').fill(addDays(monday, 4));
  await small.getByLabel('Planned end').fill(addDays(monday, 4));
  await small.getByRole('button', { name: 'Save the plan' }).click();
  await small.locator('.alert-success', { hasText: 'is planned' }).waitFor();
  t.equal(await small.locator('.over-summary').count(), 0, 'moved off Thursday by the form: back within capacity');
  t.same(problems, [], 'no script errors');
});
