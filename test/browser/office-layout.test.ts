import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { createUser } from '../../src/accounts/users.js';
import type { Db } from '../../src/db/database.js';
import { freePort } from '../../src/db/embedded.js';
import { demoPassword, seedDemoShop } from '../../src/demo/seed.js';
import { startTraveler } from '../../src/lifecycle.js';
import { sweepAlerts } from '../../src/alerts/sweep.js';
import { BusinessClock } from '../../src/monitoring/business-time.js';
import { getStoredCalendar, shopCalendarOf } from '../../src/settings/calendar.js';
import { loadWorkflow } from '../../src/workflow/definition.js';
import { testConfig } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { freshDatabase } from '../helpers/database.js';

interface Layout {
  scrollWidth: number;
  innerWidth: number;
  innerHeight: number;
  /** Tables wider than the box they sit in (which would scroll them sideways). */
  wideTables: string[];
  tableTop?: number;
  rows?: number;
  /** The first queue row's buttons, links and selects, as boxes. */
  actions?: { name: string; left: number; right: number; top: number; bottom: number }[];
}

// Runs in the page: the test's TypeScript has no DOM types.
const measureScript = `(() => {
  const wideTables = [...document.querySelectorAll('main table')]
    .map((table) => ({ table, container: table.parentElement }))
    .filter(({ table, container }) => table.getBoundingClientRect().width > container.clientWidth + 0.5 || container.scrollWidth > container.clientWidth)
    .map(({ table, container }) => (table.className || 'table') + ': ' + Math.round(table.getBoundingClientRect().width) + ' px in ' + container.clientWidth + ' px');
  const layout = { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, innerHeight: window.innerHeight, wideTables };
  const section = document.querySelector('#queue-table');
  if (section) {
    layout.tableTop = section.getBoundingClientRect().top;
    layout.rows = document.querySelectorAll('#queue-rows > tr').length;
    const controls = document.querySelectorAll('#queue-rows > tr:first-child .row-actions :is(button, a, select)');
    layout.actions = [...controls].map((control) => {
      const box = control.getBoundingClientRect();
      const name = control.textContent.trim().split(/\\s+/).slice(0, 3).join(' ');
      return { name, left: box.left, right: box.right, top: box.top, bottom: box.bottom };
    });
  }
  return layout;
})()`;

function measure(page: Page): Promise<Layout> {
  return page.evaluate(measureScript) as Promise<Layout>;
}

async function signIn(browser: Browser, baseUrl: string, email: string, viewport: { width: number; height: number }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(demoPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${baseUrl}/`);
  return { context, page, problems };
}

/** Set LAYOUT_SCREENSHOTS=/some/dir to keep a picture of every page checked. */
async function keepScreenshot(page: Page, name: string) {
  const dir = process.env.LAYOUT_SCREENSHOTS;
  if (dir) await page.screenshot({ path: `${dir}/${name.replace(/[^a-z0-9]+/gi, '_')}.png` });
}

async function checkPage(t: Test, page: Page, baseUrl: string, path: string, label: string, options: { queue?: boolean; phone?: boolean } = {}) {
  const response = await page.goto(baseUrl + path);
  t.equal(response?.status(), 200, `${label} ${path} opens`);
  await keepScreenshot(page, `${label} ${path}`);
  const layout = await measure(page);
  t.ok(layout.scrollWidth <= layout.innerWidth, `${label} ${path}: no sideways scrolling (${layout.scrollWidth} px in ${layout.innerWidth} px)`);
  t.same(layout.wideTables, [], `${label} ${path}: every table fits its container`);
  if (!options.queue) return;
  t.ok(layout.rows! > 0, `${label} ${path}: the demo queue has rows`);
  t.ok(layout.actions!.length > 0, `${label} ${path}: the first row has actions`);
  const outside = layout.actions!.filter(
    (box) => box.left < 0 || box.right > layout.innerWidth || (!options.phone && (box.top < 0 || box.bottom > layout.innerHeight)),
  );
  t.same(outside, [], `${label} ${path}: the first row's actions are all in view`);
  if (!options.phone) t.ok(layout.tableTop! < layout.innerHeight * 0.6, `${label} ${path}: the table starts in the first screen (at ${Math.round(layout.tableTop!)} px)`);
}

async function somethingToShow(db: Db, adminId: number) {
  // The mailbox and alerts pages with content, not their empty states.
  await createUser(db, { userId: adminId }, { name: 'Wilhelmina Featherstonehaugh-Cholmondeley', email: 'wilhelmina.featherstonehaugh@demo.traveler', roles: ['sales'], password: '' });
  const alerts = await db.selectFrom('alerts').select('id').orderBy('id').limit(12).execute();
  await db.updateTable('alerts').set({ user_id: adminId, read_at: null }).where('id', 'in', alerts.length ? alerts.map((a) => a.id) : [0]).execute();
  // And the alerts center with the demo's late items, quality holds and waiting customers.
  const clock = new BusinessClock(shopCalendarOf(await getStoredCalendar(db), 'UTC'));
  await sweepAlerts(db, { workflow: await loadWorkflow(db, 'production'), clock, history: () => undefined, now: new Date() });
}

t.test('office pages fit 1280 and 1366 px screens with the demo shop', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const { db, url } = await freshDatabase(t);
  await seedDemoShop(db);
  const admin = await db.selectFrom('users').select('id').where('email', '=', 'dana@demo.traveler').executeTakeFirstOrThrow();
  await somethingToShow(db, admin.id);
  const batch = await db.selectFrom('batches').select('id').orderBy('id').limit(1).executeTakeFirstOrThrow();
  const queues = await db.selectFrom('queues').select('key').where('workflow', '=', 'production').orderBy('position').execute();
  const order = await db.selectFrom('orders').select('id').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  const orderIn = async (status: string) => (await db.selectFrom('orders').select('id').where('status', '=', status).orderBy('id').limit(1).executeTakeFirstOrThrow()).id;
  const [inReview, returned] = [await orderIn('submitted'), await orderIn('rejected')];
  const item = await db.selectFrom('line_items').select('id').where('status', '=', 'in_progress').orderBy('id').limit(1).executeTakeFirstOrThrow();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const traveler = await startTraveler(testConfig({ databaseUrl: url, port, baseUrl }), pino({ level: 'silent' }));
  t.teardown(() => traveler.stop());

  const officePages = [
    '/',
    '/orders',
    `/orders/${order.id}`,
    `/orders/${order.id}/edit`,
    '/orders?queue=review',
    `/orders/${inReview}`,
    `/orders/${returned}`,
    `/items/${item.id}`,
    '/customers',
    '/admin/users',
    '/admin/kiosks',
    '/admin/catalog',
    '/admin/mailbox',
    '/alerts',
    '/monitoring',
    '/reports',
    '/monitoring/charts',
    `/batches/${batch.id}`,
  ];

  for (const viewport of [{ width: 1280, height: 800 }, { width: 1366, height: 768 }]) {
    await t.test(`as an admin at ${viewport.width}x${viewport.height}`, async (t) => {
      const { context, page, problems } = await signIn(browser, baseUrl, 'dana@demo.traveler', viewport);
      const label = `admin ${viewport.width}`;
      for (const queue of queues) await checkPage(t, page, baseUrl, `/queues/${queue.key}`, label, { queue: true });
      for (const path of officePages) await checkPage(t, page, baseUrl, path, label);
      t.same(problems, [], 'no console errors or CSP violations');
      await context.close();
    });
  }

  await t.test('as production on the WIP queue at 1280x800', async (t) => {
    const { context, page, problems } = await signIn(browser, baseUrl, 'tom@demo.traveler', { width: 1280, height: 800 });
    await checkPage(t, page, baseUrl, '/queues/wip', 'production 1280', { queue: true });
    t.ok(await page.locator('#queue-rows > tr').first().getByRole('button', { name: 'Mark BUILT' }).isVisible(), 'Mark BUILT is offered');
    t.same(problems, [], 'no console errors or CSP violations');
    await context.close();
  });

  await t.test('on a 390 px phone the WIP queue and the monitoring pages do not scroll sideways', async (t) => {
    const { context, page, problems } = await signIn(browser, baseUrl, 'dana@demo.traveler', { width: 390, height: 844 });
    await checkPage(t, page, baseUrl, '/queues/wip', 'admin 390', { queue: true, phone: true });
    for (const path of ['/alerts', '/monitoring', '/monitoring/charts', '/reports', `/batches/${batch.id}`]) await checkPage(t, page, baseUrl, path, 'admin 390', { phone: true });
    t.same(problems, [], 'no console errors or CSP violations');
    await context.close();
  });
});
