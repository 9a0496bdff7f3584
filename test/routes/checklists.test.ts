import sharp from 'sharp';
import t from 'tap';
import { addStep, createTemplate, type StepValues } from '../../src/checklists/templates.js';
import type { Db } from '../../src/db/database.js';
import { transition } from '../../src/workflow/engine.js';
import { buildTestApp, signedInClient, textOf } from '../helpers/app.js';
import { createStation, enrolTablet, givePin } from '../helpers/kiosk.js';
import { placeOrder, seedShop, type Shop } from '../helpers/shop.js';

const step = (label: string, kind: string, extra: Partial<StepValues> = {}): StepValues => ({
  label, stage: 'inspection', kind, required: true, lowerLimit: '', upperLimit: '', unit: '', instructions: '', position: '1', ...extra,
});

async function routerPlan(db: Db, shop: Shop) {
  const actor = { userId: shop.admin.id };
  const templateId = await createTemplate(db, actor, { name: 'Router ITP', machineId: String(shop.machines.router), materialId: '', descriptionContains: '' });
  return {
    templateId,
    sanded: await addStep(db, actor, templateId, step('Edges sanded', 'check', { stage: 'post_processing' })),
    width: await addStep(db, actor, templateId, step('Overall width', 'measurement', { lowerLimit: '47.9', upperLimit: '48.1', unit: 'in', position: '2' })),
    photo: await addStep(db, actor, templateId, step('Photo of the face', 'photo', { position: '3' })),
  };
}

async function startedItem(db: Db, shop: Shop) {
  const order = await placeOrder(db, shop, [{ description: 'Routed panel <b>bold</b>', machineId: String(shop.machines.router), fulfillmentMethod: 'pickup' }]);
  const id = order.items[0]!.id;
  await transition(db, { type: 'line_item', id }, { userId: shop.production.id, roles: ['production'] }, { expectedVersion: 1, to: 'in_progress' });
  return id;
}

const statusOf = async (db: Db, id: number) => (await db.selectFrom('line_items').select(['status', 'version']).where('id', '=', id).executeTakeFirstOrThrow());
const checkVersion = async (db: Db, itemId: number, stepId: number) =>
  String((await db.selectFrom('item_checks').select('version').where('line_item_id', '=', itemId).where('step_id', '=', stepId).executeTakeFirst())?.version ?? 0);
const photoBytes = () => sharp({ create: { width: 400, height: 300, channels: 3, background: '#36c' } }).jpeg().toBuffer();

t.test('admins and QA keep the checklists; a stale save is a conflict with both versions shown', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const { client: qa } = await signedInClient(app, db, ['qa']);
  const { client: production } = await signedInClient(app, db, ['production']);
  t.equal((await production.get('/admin/checklists')).statusCode, 403, 'production does not edit the plans');
  const empty = await qa.get('/admin/checklists');
  t.equal(empty.statusCode, 200);
  t.match(textOf(empty.body), /No checklists yet/);

  const blank = await qa.post('/admin/checklists', { name: '', machineId: '', materialId: '', descriptionContains: '' });
  t.equal(blank.statusCode, 422);
  t.match(blank.body, /id="field-name-error" class="field-error">Name the checklist/);
  const guessed = await qa.post('/admin/checklists', { name: 'Letters', machineId: '99999', materialId: '', descriptionContains: 'letter' });
  t.equal(guessed.statusCode, 422, 'a machine that does not exist');
  t.match(guessed.body, /value="letter"/, 'the input is kept');
  const created = await qa.post('/admin/checklists', { name: 'Letters', machineId: String(shop.machines.router), materialId: '', descriptionContains: 'letter' });
  t.equal(created.statusCode, 303);
  const path = created.headers.location as string;
  t.match(path, /^\/admin\/checklists\/\d+$/);

  const noLimits = await qa.post(`${path}/steps`, { label: 'Height', stage: 'inspection', kind: 'measurement', required: '1', lowerLimit: '', upperLimit: '', unit: 'in', instructions: '', position: '1' });
  t.equal(noLimits.statusCode, 422);
  t.match(noLimits.body, /A measurement needs a lowest or a highest acceptable value/);
  t.match(textOf(noLimits.body), /The new step was not added: see what to change/, 'the top of the page says where the message is');
  t.equal((await qa.post(`${path}/steps`, { label: 'Height', stage: 'inspection', kind: 'measurement', required: '1', lowerLimit: '23.75', upperLimit: '24.25', unit: 'in', instructions: 'Tape square to the face', position: '1' })).statusCode, 303);
  const page = await qa.get(path);
  t.match(textOf(page.body), /Items described as “letter”, on the CNC router/);
  t.match(textOf(page.body), /acceptable: 23\.75 – 24\.25 in/);
  const stepId = /action="\/admin\/checklists\/\d+\/steps\/(\d+)"/.exec(page.body)![1]!;

  const edit = { label: 'Letter height', stage: 'inspection', kind: 'measurement', required: '1', lowerLimit: '23.5', upperLimit: '24.5', unit: 'in', instructions: '', position: '1', active: '1', version: '1' };
  t.equal((await qa.post(`${path}/steps/${stepId}`, edit)).statusCode, 303);
  const stale = await qa.post(`${path}/steps/${stepId}`, { ...edit, label: 'Height (mine)' });
  t.equal(stale.statusCode, 409, 'a form opened before that save');
  t.match(stale.body, /Someone else saved this step/);
  t.match(stale.body, /value="Height \(mine\)"/, 'their own input is kept to save again');
  t.equal((await qa.post(`${path}/steps/99999`, edit)).statusCode, 404, 'a guessed step');
  t.equal((await qa.get('/admin/checklists/99999')).statusCode, 404, 'a guessed checklist');
  const other = await createTemplate(db, { userId: shop.admin.id }, { name: 'Other', machineId: '', materialId: '', descriptionContains: '' });
  t.equal((await qa.post(`/admin/checklists/${other}/steps/${stepId}`, { ...edit, version: '2' })).statusCode, 404, 'a step through another checklist');
});

t.test('in the office: the item page shows the checklist, steps are recorded with or without htmx, BUILT waits for them', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const plan = await routerPlan(db, shop);
  const id = await startedItem(db, shop);
  const { client: production } = await signedInClient(app, db, ['production']);
  const { client: qa } = await signedInClient(app, db, ['qa']);
  const { client: sales } = await signedInClient(app, db, ['sales']);

  const page = await production.get(`/items/${id}`);
  t.match(page.body, /id="item-checklist"/);
  t.match(textOf(page.body), /0 of 3 required steps passed/);
  t.match(textOf(page.body), /Marking it BUILT waits for: Edges sanded, Overall width, Photo of the face/);
  t.notMatch(page.body, /Waive \(QA\)/, 'production is not offered the waiver');

  const built = await production.post(`/items/${id}/transitions`, { version: '2', from: 'in_progress', to: 'intent:built', fulfillmentMethod: 'pickup' });
  t.equal(built.statusCode, 422, 'BUILT is refused');
  t.match(textOf(built.body), /The checklist is not finished: 3 required steps are not passed yet/);
  t.match(built.body, /<div class="alert alert-error" role="alert">The checklist is not finished/, 'said at the top of the page too, where the person is looking');
  t.equal((await statusOf(db, id)).status, 'in_progress');

  t.equal((await sales.post(`/items/${id}/checks`, { step: String(plan.sanded), checkVersion: '0', action: 'done' })).statusCode, 403, 'sales records no steps');
  const plain = await production.post(`/items/${id}/checks`, { step: String(plan.sanded), checkVersion: '0', action: 'done' });
  t.equal(plain.statusCode, 303, 'a plain form redirects back');
  t.equal(plain.headers.location, `/items/${id}#item-checklist`);

  const wrong = await production.post(`/items/${id}/checks`, { step: String(plan.width), checkVersion: '0', action: 'measure', value: '48 inches' }, { htmx: true });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, /^<section id="item-checklist"/, 'htmx gets the checklist region alone');
  t.match(wrong.body, new RegExp(`id="check-${plan.width}-value-error" class="field-error">Enter the measurement as a number`), 'the message beside the field');
  t.match(wrong.body, /value="48 inches"/, 'and what was typed, kept');
  const wrongPlain = await production.post(`/items/${id}/checks`, { step: String(plan.width), checkVersion: '0', action: 'measure', value: 'abc' });
  t.equal(wrongPlain.statusCode, 422, 'without htmx, the checklist page with the message');
  t.match(wrongPlain.body, /<h1>Checklist of/);

  const over = await production.post(`/items/${id}/checks`, { step: String(plan.width), checkVersion: '0', action: 'measure', value: '48.25' }, { htmx: true });
  t.equal(over.statusCode, 200);
  t.match(textOf(over.body), /“Overall width” failed/);
  t.match(textOf(over.body), /Failed: 48\.25 in/);
  const staleForm = await production.post(`/items/${id}/checks`, { step: String(plan.width), checkVersion: '0', action: 'measure', value: '48' }, { htmx: true });
  t.equal(staleForm.statusCode, 409, 'a form drawn before the failed result is a conflict');
  t.match(textOf(staleForm.body), /recorded “Overall width” a moment ago \(failed\)/);

  const upload = await production.upload(`/items/${id}/checks/photo`, { step: String(plan.photo), checkVersion: '0' }, { name: 'face.jpg', field: 'photo', contentType: 'image/jpeg', data: await photoBytes() });
  t.equal(upload.statusCode, 303, 'the photo step, uploaded from the office');
  const notPhoto = await production.upload(`/items/${id}/checks/photo`, { step: String(plan.photo), checkVersion: '1' }, { name: 'x.jpg', field: 'photo', data: Buffer.from('<svg onload=alert(1)>') });
  t.equal(notPhoto.statusCode, 422);
  t.match(notPhoto.body, /not a photo Traveler can read/);
  t.equal((await production.upload(`/items/${id}/checks/photo`, { step: String(plan.photo), checkVersion: '1' }, { name: 'x.jpg', field: 'photo', data: await photoBytes() }, { csrf: false })).statusCode, 403, 'no CSRF token, no photo');

  const qaPage = await qa.get(`/items/${id}`);
  t.match(qaPage.body, /Waive \(QA\)/, 'QA is offered the waiver on the failed step');
  const noReason = await qa.post(`/items/${id}/checks`, { step: String(plan.width), checkVersion: '1', action: 'waive', reason: '' }, { htmx: true });
  t.equal(noReason.statusCode, 422);
  t.match(noReason.body, new RegExp(`id="check-${plan.width}-reason-error" class="field-error">Say why the step is waived`));
  t.match(noReason.body, /<details class="step-waive" open>/, 'the waiver stays open with its message');
  const productionWaives = await production.post(`/items/${id}/checks`, { step: String(plan.width), checkVersion: '1', action: 'waive', reason: 'close enough' }, { htmx: true });
  t.equal(productionWaives.statusCode, 403);
  const waived = await qa.post(`/items/${id}/checks`, { step: String(plan.width), checkVersion: '1', action: 'waive', reason: 'Customer accepts <1/4 in' }, { htmx: true });
  t.equal(waived.statusCode, 200);
  t.match(waived.body, /Customer accepts &lt;1\/4 in/, 'the reason is shown, escaped');
  t.match(textOf(waived.body), /Every required step has passed: it can be marked BUILT/);

  const nowBuilt = await production.post(`/items/${id}/transitions`, { version: '2', from: 'in_progress', to: 'intent:built', fulfillmentMethod: 'pickup' });
  t.equal(nowBuilt.statusCode, 303, 'and now BUILT goes through');
  t.equal((await statusOf(db, id)).status, 'awaiting_pickup');
  const history = await production.get(`/items/${id}`);
  t.match(textOf(history.body), /checklist: Overall width failed \(48\.25 in\)/, 'the history tells the story');
  t.match(textOf(history.body), /waived the checklist step Overall width/);
  t.match(textOf(history.body), /The item is past its checklist: what was recorded is kept here/, 'once BUILT, the checklist is a record');
  t.notMatch(history.body, /name="action" value="measure"/, 'with nothing left to press');

  t.equal((await production.post('/items/99999/checks', { step: String(plan.sanded), checkVersion: '0', action: 'done' })).statusCode, 404, 'a guessed item');
  const otherItem = (await placeOrder(db, shop, [{ description: 'Banner' }])).items[0]!.id;
  t.equal((await production.post(`/items/${otherItem}/checks`, { step: String(plan.sanded), checkVersion: '0', action: 'done' })).statusCode, 404, 'a step not on that item’s checklist');
  t.equal((await production.post(`/items/${id}/checks`, { step: String(plan.sanded), checkVersion: '0', action: 'explode' }, { htmx: true })).statusCode, 422, 'an action no step has');
  t.equal((await production.get(`/items/${id}/checklist`)).statusCode, 200);
});

t.test('at the kiosk: the worker measures and photographs, BUILT unlocks; QA waives from the tablet too', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const plan = await routerPlan(db, shop);
  const id = await startedItem(db, shop);
  const tablet = await enrolTablet(app, db, shop.admin.id, await createStation(db, shop.admin.id));

  const anonymous = await tablet.get(`/kiosk/items/${id}`);
  t.match(anonymous.body, /id="item-checklist"/, 'the checklist is on the item panel');
  t.notMatch(anonymous.body, /name="action" value="done"/, 'nobody signed in: nothing to tap');
  t.equal((await tablet.post(`/kiosk/items/${id}/checks`, { step: String(plan.sanded), checkVersion: '0', action: 'done' })).statusCode, 401);

  await tablet.signIn(shop.production.id, await givePin(db, shop.production.id));
  const panel = await tablet.get(`/kiosk/items/${id}`);
  t.match(panel.body, /Finish the checklist below first: 3 required steps are left/);
  t.match(panel.body, /<button type="submit" class="built" disabled/, 'BUILT is greyed out while steps are left');
  const refused = await tablet.post(`/kiosk/items/${id}/built`, { status: 'in_progress', version: '2', fulfillmentMethod: 'pickup' });
  t.equal(refused.statusCode, 422, 'and refused if sent anyway');
  t.match(textOf(refused.body), /The checklist is not finished/);

  t.match(textOf((await tablet.post(`/kiosk/items/${id}/checks`, { step: String(plan.sanded), checkVersion: '0', action: 'done' })).body), /“Edges sanded” is done/);
  const typo = await tablet.post(`/kiosk/items/${id}/checks`, { step: String(plan.width), checkVersion: '0', action: 'measure', value: '4 8' });
  t.equal(typo.statusCode, 422);
  t.match(typo.body, new RegExp(`id="check-${plan.width}-value-error" class="field-error">Enter the measurement`), 'the message beside the box on the tablet');
  t.match(typo.body, /value="4 8"/, 'with what was typed');
  t.match(textOf((await tablet.post(`/kiosk/items/${id}/checks`, { step: String(plan.width), checkVersion: '0', action: 'measure', value: '48.05' })).body), /“Overall width” passed/);
  const photo = await tablet.postStepPhoto(id, { step: String(plan.photo), checkVersion: '0' }, await photoBytes());
  t.equal(photo.statusCode, 200);
  t.match(textOf(photo.body), /“Photo of the face” is done/);
  t.notMatch(photo.body, /id="kiosk-scan"/, 'a step keeps the worker where they are: the scan box is not sent again to take the focus');
  t.match(photo.body, /Every required step has passed/);
  t.notMatch(photo.body, /class="built" disabled/, 'BUILT is offered');
  const kioskRow = await db.selectFrom('item_checks').select(['kiosk_id', 'recorded_by']).where('step_id', '=', plan.photo).executeTakeFirstOrThrow();
  t.same(kioskRow, { kiosk_id: tablet.kioskId, recorded_by: shop.production.id }, 'recorded as the worker, at this kiosk');
  const nowBuilt = await tablet.post(`/kiosk/items/${id}/built`, { status: 'in_progress', version: '2', fulfillmentMethod: 'pickup' });
  t.equal(nowBuilt.statusCode, 200);
  t.equal((await statusOf(db, id)).status, 'awaiting_pickup');

  const second = await startedItem(db, shop);
  const notQa = await tablet.post(`/kiosk/items/${second}/checks`, { step: String(plan.width), checkVersion: '0', action: 'waive', reason: 'x' });
  t.equal(notQa.statusCode, 422, 'a production worker does not waive');
  t.match(textOf(notQa.body), /Only QA waives a checklist step/);
  const { createUser } = await import('../helpers/app.js');
  const inspector = await createUser(db, ['production', 'qa'], { name: 'Quinn Inspector' });
  await tablet.signIn(inspector.id, await givePin(db, inspector.id, '5931'));
  for (const stepId of [plan.sanded, plan.width, plan.photo]) {
    const waived = await tablet.post(`/kiosk/items/${second}/checks`, { step: String(stepId), checkVersion: await checkVersion(db, second, stepId), action: 'waive', reason: 'Rework on site, agreed with the customer' });
    t.equal(waived.statusCode, 200, 'QA waives from the tablet');
  }
  const waivedBuilt = await tablet.post(`/kiosk/items/${second}/built`, { status: 'in_progress', version: '2', fulfillmentMethod: 'pickup' });
  t.equal(waivedBuilt.statusCode, 200);
  t.equal((await statusOf(db, second)).status, 'awaiting_pickup', 'BUILT with every step waived');
  const waivers = await db.selectFrom('events').select(['actor_user_id', 'actor_via', 'note']).where('subject_id', '=', second).where('action', '=', 'check-waived').execute();
  t.equal(waivers.length, 3);
  t.match(waivers[0], { actor_user_id: inspector.id, actor_via: /^kiosk /, note: 'Rework on site, agreed with the customer' }, 'each waiver names the inspector and the kiosk');
});
