import pino from 'pino';
import sharp from 'sharp';
import t from 'tap';
import { addStep, createTemplate, type StepValues } from '../../src/checklists/templates.js';
import { freePort } from '../../src/db/embedded.js';
import { startTraveler } from '../../src/lifecycle.js';
import { createUser, testConfig } from '../helpers/app.js';
import { seriousViolations, smallTouchTargets } from '../helpers/accessibility.js';
import { launchChromium, scanOnTablet, signedInPage, signedInTablet } from '../helpers/browser.js';
import { freshDatabase } from '../helpers/database.js';
import { createStation, givePin } from '../helpers/kiosk.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

const step = (label: string, kind: string, extra: Partial<StepValues> = {}): StepValues => ({
  label, stage: 'inspection', kind, required: true, lowerLimit: '', upperLimit: '', unit: '', instructions: '', position: '1', ...extra,
});

t.test('a kiosk worker completes a checklist with a measurement and a photo, and only then marks BUILT; the office sees it all', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const { db, url } = await freshDatabase(t);
  const shop = await seedShop(db);
  const admin = { userId: shop.admin.id };
  const plan = await createTemplate(db, admin, { name: 'Channel letters ITP', machineId: String(shop.machines.router), materialId: '', descriptionContains: '' });
  await addStep(db, admin, plan, step('Seams welded', 'check', { stage: 'fabrication' }));
  await addStep(db, admin, plan, step('Letter height', 'measurement', { lowerLimit: '23.75', upperLimit: '24.25', unit: 'in', position: '2', instructions: 'Tape square to the face.' }));
  await addStep(db, admin, plan, step('Photo of the finished set', 'photo', { position: '3' }));
  const kioskId = await createStation(db, shop.admin.id, { name: 'Router bay', machineIds: [shop.machines.router] });
  const worker = await createUser(db, ['production'], { name: 'Wes Worker' });
  const pin = await givePin(db, worker.id, '4812');
  const order = await placeOrder(db, shop, [{ description: 'Routed channel letters', machineId: String(shop.machines.router), fulfillmentMethod: 'pickup' }]);
  const item = order.items[0]!;
  const office = await createUser(db, ['qa'], { email: 'qa@shop.test', name: 'Quinn QA' });
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const traveler = await startTraveler(testConfig({ databaseUrl: url, port, baseUrl }), pino({ level: 'silent' }));
  t.teardown(() => traveler.stop());

  const { page: tablet, problems } = await signedInTablet(browser, baseUrl, db, shop.admin.id, kioskId, 'Wes Worker', pin);
  await scanOnTablet(tablet, `${order.number}-1`, `${order.number} · 1/1`);
  await tablet.getByRole('button', { name: 'Start work' }).tap();
  await tablet.getByText('Started:').waitFor();

  const checklist = tablet.locator('#item-checklist');
  t.match(await checklist.textContent(), /0 of 3 required steps passed/, 'the checklist is on the item, with how far it is');
  const built = tablet.getByRole('button', { name: 'Mark BUILT · Customer pickup (as ordered)' });
  t.ok(await built.isDisabled(), 'BUILT is greyed out while steps are left');
  t.match(await tablet.locator('#checklist-first').textContent(), /3 required steps are left/);
  t.same(await seriousViolations(tablet), [], 'axe: the item with its checklist has no serious or critical violations');
  t.same(await smallTouchTargets(tablet), [], 'every checklist control is at least 48 px');

  await checklist.getByRole('button', { name: 'Done' }).tap();
  await tablet.getByText('“Seams welded” is done.').waitFor();

  // Out of tolerance first: it fails, and BUILT stays shut.
  await tablet.getByLabel('Measured (in)').fill('24.5');
  await checklist.getByRole('button', { name: 'Save' }).tap();
  await tablet.getByText('“Letter height” failed.').waitFor();
  t.match(await tablet.locator('.checklist-step', { hasText: 'Letter height' }).textContent(), /Failed: 24\.5 in/);
  t.ok(await built.isDisabled(), 'a failed measurement keeps BUILT shut');

  // Sanded down and measured again.
  await tablet.getByLabel('Measure again (in)').fill('24.1');
  await checklist.getByRole('button', { name: 'Save' }).tap();
  await tablet.getByText('“Letter height” passed.').waitFor();

  // The camera hands over its picture as soon as it is taken.
  const picture = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#d33' } }).jpeg().toBuffer();
  await tablet.locator('.step-photo input[type=file]').setInputFiles({ name: 'IMG_0002.jpg', mimeType: 'image/jpeg', buffer: picture });
  await tablet.getByText('“Photo of the finished set” is done.').waitFor();
  t.match(await checklist.textContent(), /3 of 3 required steps passed/);
  t.notOk(await built.isDisabled(), 'with every step passed, BUILT is offered');
  await built.tap();
  await tablet.getByText('is BUILT · awaiting customer pickup').waitFor();
  t.equal((await db.selectFrom('line_items').select('status').where('id', '=', item.id).executeTakeFirstOrThrow()).status, 'awaiting_pickup');
  t.same(problems, [], 'no script errors on the tablet');

  // QA at a desk sees what was done, by whom, with the photo.
  const { page: desk, problems: deskProblems } = await signedInPage(browser, baseUrl, office.email, { width: 1280, height: 900 });
  await desk.goto(`${baseUrl}/items/${item.id}`);
  const recorded = desk.locator('#item-checklist');
  t.match(await recorded.textContent(), /Passed: 24\.1 in/);
  t.match(await recorded.textContent(), /Wes Worker/);
  t.equal(await recorded.getByRole('link', { name: 'photo' }).count(), 1, 'the step links its photo');
  t.match(await desk.locator('.activity').last().textContent(), /checklist: Letter height failed \(24\.5 in\)/, 'the history keeps the failed measurement');
  t.same(await seriousViolations(desk), [], 'axe: the office item page has no serious or critical violations');
  t.same(deskProblems, []);
});
