import pino from 'pino';
import sharp from 'sharp';
import t from 'tap';
import { freePort } from '../../src/db/embedded.js';
import { startEnrolment } from '../../src/kiosk/devices.js';
import { startTraveler } from '../../src/lifecycle.js';
import { createUser, defaultPassword, testConfig } from '../helpers/app.js';
import { seriousViolations, smallTouchTargets } from '../helpers/accessibility.js';
import { launchChromium } from '../helpers/browser.js';
import { freshDatabase } from '../helpers/database.js';
import { createStation, givePin } from '../helpers/kiosk.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

t.test('a tablet at the station: enrol, PIN in, start, finish, mark BUILT; the office sees it move; idle returns to the station view', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const { db, url } = await freshDatabase(t);
  const shop = await seedShop(db);
  const kioskId = await createStation(db, shop.admin.id, { name: 'Router bay', machineIds: [shop.machines.router], idleSeconds: 15 });
  const worker = await createUser(db, ['production'], { name: 'Wes Worker' });
  const pin = await givePin(db, worker.id, '4812');
  const order = await placeOrder(db, shop, [
    { description: 'Routed acrylic letters', machineId: String(shop.machines.router), fulfillmentMethod: 'installation', notes: 'Polish the edges' },
    { description: 'Printed banner', machineId: String(shop.machines.printer) },
  ]);
  const item = order.items[0]!;
  const office = await createUser(db, ['fulfillment'], { email: 'office@shop.test' });
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const traveler = await startTraveler(testConfig({ databaseUrl: url, port, baseUrl }), pino({ level: 'silent' }));
  t.teardown(() => traveler.stop());

  const tabletContext = await browser.newContext({ viewport: { width: 800, height: 1280 }, hasTouch: true, isMobile: true, deviceScaleFactor: 1 });
  const tablet = await tabletContext.newPage();
  const problems: string[] = [];
  tablet.on('pageerror', (error) => problems.push(error.message));
  tablet.on('console', (message) => {
    // A refused PIN answers 422 on purpose; Chromium logs every 4xx response as an error.
    if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) problems.push(message.text());
  });

  // Enrol with the code an admin reads off their screen.
  const { code } = await startEnrolment(db, { userId: shop.admin.id }, kioskId);
  await tablet.goto(`${baseUrl}/kiosk`);
  t.equal(new URL(tablet.url()).pathname, '/kiosk/enrol', 'an unenrolled tablet lands on enrolment');
  await tablet.getByLabel('Enrolment code').fill(code);
  await tablet.getByRole('button', { name: 'Enrol this tablet' }).tap();
  await tablet.waitForURL(`${baseUrl}/kiosk`);
  t.equal(await tablet.locator('h1').textContent(), 'Router bay', 'the tablet shows its station');
  const card = tablet.locator('.station-card', { hasText: 'Routed acrylic letters' });
  t.equal(await card.count(), 1, 'the station queue shows its machine’s work');
  t.equal(await tablet.locator('.station-card', { hasText: 'Printed banner' }).count(), 0, 'and not other machines’');
  t.equal(await tablet.evaluate('document.activeElement?.id'), 'scan-code', 'the scan field has the focus');
  t.same(await seriousViolations(tablet), [], 'axe: the station view has no serious or critical violations');
  t.same(await smallTouchTargets(tablet), [], 'every touch target is at least 48 px');

  // PIN in.
  await tablet.getByRole('button', { name: 'Wes Worker' }).tap();
  await tablet.locator('#pin').waitFor();
  t.same(await seriousViolations(tablet), [], 'axe: the PIN prompt has no serious or critical violations');
  await tablet.locator('#pin').fill('0000');
  await tablet.getByRole('button', { name: 'Sign in' }).tap();
  await tablet.getByText('That PIN is not right.').waitFor();
  t.pass('a wrong PIN is refused with a clear message');
  await tablet.locator('#pin').fill(pin);
  await tablet.getByRole('button', { name: 'Sign in' }).tap();
  await tablet.getByText('Signed in: Wes Worker').waitFor();

  // Open the item by scanning its traveler: a keyboard-wedge scanner types the code and Enter
  // into whatever has the focus, which after every action is the scan field.
  await tablet.locator('#scan-code:focus').waitFor();
  await tablet.keyboard.type(`${order.number}-1`);
  await tablet.keyboard.press('Enter');
  await tablet.locator('#kiosk-item .item-label', { hasText: `${order.number} · 1/2` }).waitFor();
  t.match(await tablet.locator('#kiosk-item').textContent(), /Polish the edges/, 'the card shows the item’s notes');
  t.same(await seriousViolations(tablet), [], 'axe: the open item has no serious or critical violations');
  t.same(await smallTouchTargets(tablet), [], 'the item’s controls are at least 48 px');

  await tablet.getByRole('button', { name: 'Start work' }).tap();
  await tablet.getByText('Started:').waitFor();
  // The camera's picture goes up as soon as it is taken (here: a file, as the camera would hand it over).
  const picture = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#2a6' } }).jpeg().toBuffer();
  await tablet.locator('#photo').setInputFiles({ name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: picture });
  await tablet.locator('.photo-strip img').waitFor();
  const thumbnailWidth = await tablet
    .locator('.photo-strip img')
    .evaluate((img: { complete: boolean; naturalWidth: number; onload: (() => void) | null }) =>
      img.complete ? img.naturalWidth : new Promise<number>((resolve) => (img.onload = () => resolve(img.naturalWidth))),
    );
  t.equal(thumbnailWidth, 320, 'the photo’s thumbnail shows on the card');
  await tablet.locator('#note').fill('Half a thought');
  await tablet.waitForTimeout(3500);
  t.equal(await tablet.locator('#note').inputValue(), 'Half a thought', 'a half-typed note survives the queue refreshing itself');
  await tablet.locator('#note').fill('');
  await tablet.getByRole('button', { name: 'Finish my work' }).tap();
  await tablet.getByText('Your work is finished').waitFor();

  const officeContext = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const officePage = await officeContext.newPage();
  await officePage.goto(`${baseUrl}/login`);
  await officePage.getByLabel('Email', { exact: true }).fill(office.email);
  await officePage.getByLabel('Password', { exact: true }).fill(defaultPassword);
  await officePage.getByRole('button', { name: 'Sign in' }).click();
  await officePage.waitForURL(`${baseUrl}/`);
  await officePage.goto(`${baseUrl}/queues/awaiting_installation`);
  t.equal(await officePage.locator(`#item-${item.id}`).count(), 0, 'the office’s installation queue does not have it yet');

  await tablet.getByRole('button', { name: 'Mark BUILT · Installation (as ordered)' }).tap();
  await tablet.getByText('is BUILT · awaiting installation').waitFor();
  const builtAt = Date.now();
  t.equal(await card.count(), 0, 'it leaves the station queue at once');
  await officePage.locator(`#item-${item.id}`).waitFor({ timeout: 5000 });
  t.ok(Date.now() - builtAt <= 5000, `the office’s fulfillment queue shows it after ${Date.now() - builtAt} ms`);

  // Left alone, the kiosk signs the worker out and goes back to the station view.
  await tablet.getByText('Who is working? Tap your name:').waitFor({ timeout: 25_000 });
  t.equal(await tablet.locator('#kiosk-item .item-label').count(), 0, 'the open item is closed');
  const device = await db.selectFrom('kiosk_devices').select('operator_user_id').executeTakeFirstOrThrow();
  t.equal(device.operator_user_id, null, 'and nobody is signed in on the server either');

  // Landscape works too.
  await tablet.setViewportSize({ width: 1280, height: 800 });
  t.ok(await tablet.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), 'nothing overflows sideways in landscape');

  const events = await db.selectFrom('events').select(['action', 'actor_user_id', 'actor_via']).where('subject_type', '=', 'line_item').where('subject_id', '=', item.id).orderBy('id').execute();
  t.same(
    events.map((e) => [e.action, e.actor_user_id, e.actor_via]),
    [
      ['status-changed', worker.id, 'kiosk Router bay'],
      ['work-started', worker.id, 'kiosk Router bay'],
      ['photo-attached', worker.id, 'kiosk Router bay'],
      ['work-finished', worker.id, 'kiosk Router bay'],
      ['status-changed', worker.id, 'kiosk Router bay'],
    ],
    'the history records Wes, via the kiosk',
  );
  t.same(problems, [], 'no script errors or CSP violations on the tablet');
  await tabletContext.close();
  await officeContext.close();
});
