import sharp from 'sharp';
import t, { type Test } from 'tap';
import { judgeMeasurement, itemChecklist, recordCheck, recordPhotoCheck, type CheckActor } from '../../src/checklists/item-checklist.js';
import { addStep, createTemplate, updateStep, updateTemplate, type StepValues } from '../../src/checklists/templates.js';
import type { Db } from '../../src/db/database.js';
import { decimalUnits, unitsToDecimal } from '../../src/platform/decimal.js';
import { ConflictError, HttpError, ValidationError } from '../../src/platform/errors.js';
import { transition } from '../../src/workflow/engine.js';
import { createUser } from '../helpers/app.js';
import { freshDatabase } from '../helpers/database.js';
import { placeOrder, seedShop, type Shop } from '../helpers/shop.js';

const step = (label: string, kind: string, extra: Partial<StepValues> = {}): StepValues => ({
  label, stage: 'inspection', kind, required: true, lowerLimit: '', upperLimit: '', unit: '', instructions: '', position: '1', ...extra,
});

async function letterPlan(db: Db, shop: Shop) {
  const actor = { userId: shop.admin.id };
  const templateId = await createTemplate(db, actor, { name: 'Channel letters ITP', machineId: String(shop.machines.router), materialId: '', descriptionContains: '' });
  const weld = await addStep(db, actor, templateId, step('Seams welded', 'check', { stage: 'fabrication' }));
  const height = await addStep(db, actor, templateId, step('Letter height', 'measurement', { lowerLimit: '23.75', upperLimit: '24.25', unit: 'in', position: '2' }));
  const lit = await addStep(db, actor, templateId, step('Lit test', 'pass_fail', { position: '3' }));
  const photo = await addStep(db, actor, templateId, step('Photo of the finished set', 'photo', { position: '4' }));
  const wipe = await addStep(db, actor, templateId, step('Wiped down', 'check', { stage: 'post_processing', required: false }));
  return { templateId, weld, height, lit, photo, wipe };
}

/** An item on the router, started: in work, one BUILT away. */
async function itemInWork(db: Db, shop: Shop, fields: Record<string, string> = {}) {
  const order = await placeOrder(db, shop, [{ description: 'Routed channel letters', machineId: String(shop.machines.router), fulfillmentMethod: 'pickup', ...fields }]);
  const id = order.items[0]!.id;
  await transition(db, { type: 'line_item', id }, as(shop.production), { expectedVersion: 1, to: 'in_progress' });
  return id;
}

const as = (person: { id: number; roles: string[] }) => ({ userId: person.id, roles: person.roles });
const built = (db: Db, shop: Shop, id: number, version: number) =>
  transition(db, { type: 'line_item', id }, as(shop.production), { expectedVersion: version, to: { intent: 'built' }, input: { fulfillmentMethod: 'pickup' } });

/** Awaits a promise expected to fail, and checks what it failed with. */
async function refusedWith(t: Test, promise: Promise<unknown>, kind: new (...args: never[]) => Error, message: string) {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  t.type(error, kind, message);
  return error as Error;
}

t.test('measurements are judged exactly against their limits', async (t) => {
  const limits = { lowerLimit: '23.7500', upperLimit: '24.2500' };
  t.same(judgeMeasurement('24.25', limits), { measured: '24.25', passed: true }, 'the upper limit itself passes');
  t.throws(() => judgeMeasurement('23,75', limits), { message: /with a point for decimals/ }, 'a comma is not taken for a point: 1,250 means two things');
  t.same(judgeMeasurement('24.2501', limits), { measured: '24.2501', passed: false }, 'a ten-thousandth over fails');
  t.same(judgeMeasurement('-1', { lowerLimit: null, upperLimit: '0.5' }), { measured: '-1', passed: true }, 'only a highest value');
  t.same(judgeMeasurement('2', { lowerLimit: '2.0001', upperLimit: null }), { measured: '2', passed: false }, 'only a lowest value');
  for (const bad of ['', 'abc', '1e3', '24.12345', '12345678901', '1.2.3', '0x10', '1,250']) {
    t.throws(() => judgeMeasurement(bad, limits), { message: /Enter the measurement as a number/ }, `“${bad}” is not a measurement`);
  }
  t.equal(decimalUnits('0.1')! + decimalUnits('0.2')!, decimalUnits('0.3'), 'no floating-point drift');
  t.equal(unitsToDecimal(decimalUnits('-0.0')!), '0');
});

t.test('a step’s definition is checked: limits only on measurements, and in order', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const actor = { userId: shop.admin.id };
  const templateId = await createTemplate(db, actor, { name: 'Plan', machineId: '', materialId: '', descriptionContains: '' });
  const refused = async (values: StepValues, field: string, why: string) => {
    const error = await addStep(db, actor, templateId, values).catch((caught: unknown) => caught);
    t.type(error, ValidationError, why);
    t.ok((error as ValidationError).fieldErrors[field], `${why}: the message is beside ${field}`);
  };
  await refused(step('Height', 'measurement'), 'lowerLimit', 'a measurement needs a limit');
  await refused(step('Height', 'measurement', { lowerLimit: '5', upperLimit: '4' }), 'upperLimit', 'the limits in order');
  await refused(step('Height', 'measurement', { lowerLimit: 'five' }), 'lowerLimit', 'a limit is a number');
  await refused(step('Lit', 'pass_fail', { upperLimit: '3' }), 'upperLimit', 'only a measurement has limits');
  await refused(step('', 'check'), 'label', 'a step says what to do');
  await refused(step('Odd', 'teleport'), 'kind', 'a kind from the list');
  await refusedWith(t, createTemplate(db, actor, { name: 'plan', machineId: '', materialId: '', descriptionContains: '' }), ValidationError, 'names are unique regardless of case');
  await refusedWith(t, createTemplate(db, actor, { name: 'Other', machineId: '999999', materialId: '', descriptionContains: '' }), ValidationError, 'a machine that does not exist');
  const stored = await db.selectFrom('checklist_steps').select('id').where('template_id', '=', templateId).execute();
  t.equal(stored.length, 0, 'nothing refused was stored');
});

t.test('a checklist applies by machine, material and product, and only its active steps', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const actor = { userId: shop.admin.id };
  await letterPlan(db, shop);
  const bannerPlan = await createTemplate(db, actor, { name: 'Banners', machineId: '', materialId: String(shop.materials.vinyl), descriptionContains: 'banner' });
  const hems = await addStep(db, actor, bannerPlan, step('Hems and grommets', 'check'));
  const order = await placeOrder(db, shop, [
    { description: 'Routed channel letters', machineId: String(shop.machines.router) },
    { description: 'Vinyl BANNER 3x8', materialId: String(shop.materials.vinyl) },
    { description: 'Vinyl lettering', materialId: String(shop.materials.vinyl) },
    { description: 'Acrylic banner', materialId: String(shop.materials.acrylic) },
  ]);
  const [letters, banner, lettering, acrylic] = order.items.map((item) => item.id) as [number, number, number, number];
  t.same((await itemChecklist(db, letters)).map((s) => s.label), ['Seams welded', 'Wiped down', 'Letter height', 'Lit test', 'Photo of the finished set'], 'the router plan, stage by stage');
  t.same((await itemChecklist(db, banner)).map((s) => s.label), ['Hems and grommets'], 'a vinyl item described as a banner (any case)');
  t.same(await itemChecklist(db, lettering), [], 'vinyl, but not a banner');
  t.same(await itemChecklist(db, acrylic), [], 'a banner, but not vinyl');
  await updateStep(db, actor, bannerPlan, hems, 1, { ...step('Hems and grommets', 'check'), active: false });
  t.same(await itemChecklist(db, banner), [], 'a retired step no longer applies');
  const template = await db.selectFrom('checklist_templates').select('version').where('id', '=', bannerPlan).executeTakeFirstOrThrow();
  await updateTemplate(db, actor, bannerPlan, template.version, { name: 'Banners', machineId: '', materialId: '', descriptionContains: '', active: false });
  await refusedWith(t, updateTemplate(db, actor, bannerPlan, template.version, { name: 'Banners 2', machineId: '', materialId: '', descriptionContains: '', active: true }), ConflictError, 'a save from a stale form is a conflict');
});

t.test('BUILT waits for every required step; a failed measurement blocks until redone or waived by QA', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const plan = await letterPlan(db, shop);
  const qaUser = await createUser(db, ['qa'], { name: 'Quinn QA' });
  const worker: CheckActor = { userId: shop.production.id, kioskId: null, roles: ['production'] };
  const qa: CheckActor = { userId: qaUser.id, kioskId: null, roles: ['qa'] };
  const id = await itemInWork(db, shop);
  const unrelated = await itemInWork(db, shop, { machineId: String(shop.machines.printer) });

  const refused = await built(db, shop, id, 2).catch((error: unknown) => error);
  t.type(refused, ValidationError, 'BUILT is refused with the checklist open');
  t.match((refused as ValidationError).fieldErrors.checklist, /4 required steps are not passed yet \(Seams welded, Letter height, Lit test, Photo of the finished set\)/, 'naming the steps left, not the optional one');
  t.equal((await db.selectFrom('line_items').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status, 'in_progress', 'the item did not move');
  t.equal((await built(db, shop, unrelated, 2)).to.key, 'awaiting_pickup', 'an item no checklist applies to is marked BUILT as before');

  t.same(await recordCheck(db, worker, id, plan.weld, 0, { action: 'done' }), { label: 'Seams welded', outcome: 'done' });
  t.same(await recordCheck(db, worker, id, plan.height, 0, { action: 'measure', value: '24.5' }), { label: 'Letter height', outcome: 'failed' }, '24.5 in is out of 23.75–24.25');
  await refusedWith(t, recordCheck(db, worker, id, plan.height, 0, { action: 'measure', value: '24.1' }), ConflictError, 'a form drawn before that result is a conflict');
  await refusedWith(t, recordCheck(db, worker, id, plan.lit, 0, { action: 'measure', value: '1' }), ValidationError, 'a pass/fail step is not measured');
  t.same(await recordCheck(db, worker, id, plan.lit, 0, { action: 'pass' }), { label: 'Lit test', outcome: 'passed' });
  const photo = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#0a0' } }).jpeg().toBuffer();
  await refusedWith(t, recordPhotoCheck(db, worker, id, plan.photo, 0, Buffer.from('not a photo')), ValidationError, 'a file that is not a photo');
  t.same(await recordPhotoCheck(db, worker, id, plan.photo, 0, photo), { label: 'Photo of the finished set', outcome: 'done' });

  const stillRefused = await built(db, shop, id, 2).catch((error: unknown) => error);
  t.match((stillRefused as ValidationError).fieldErrors.checklist, /one required step is not passed yet \(Letter height \(failed\)\)/, 'the failed measurement still blocks');

  await refusedWith(t, recordCheck(db, worker, id, plan.height, 1, { action: 'waive', reason: 'Customer accepts' }), HttpError, 'production does not waive');
  await refusedWith(t, recordCheck(db, qa, id, plan.height, 1, { action: 'waive', reason: '  ' }), ValidationError, 'a waiver needs a reason');
  t.same(await recordCheck(db, qa, id, plan.height, 1, { action: 'waive', reason: 'Customer accepts 1/4 in over, see email of Dec 2' }), { label: 'Letter height', outcome: 'waived' });
  await refusedWith(t, recordCheck(db, qa, id, plan.lit, 1, { action: 'waive', reason: 'x' }), ValidationError, 'a passed step is not waived');

  const moved = await built(db, shop, id, 2);
  t.equal(moved.to.key, 'awaiting_pickup', 'with every required step passed or waived, BUILT goes through');
  await t.rejects(recordCheck(db, worker, id, plan.lit, 2, { action: 'fail' }), /its checklist is closed/, 'past the gate, a step no longer changes');

  const events = await db
    .selectFrom('events')
    .select(['action', 'actor_user_id as actor', 'note', 'particulars'])
    .where('subject_type', '=', 'line_item')
    .where('subject_id', '=', id)
    .where('action', 'in', ['check-recorded', 'check-waived'])
    .orderBy('id')
    .execute();
  t.same(events.map((e) => [e.action, (e.particulars as { outcome: string }).outcome]), [
    ['check-recorded', 'done'],
    ['check-recorded', 'failed'],
    ['check-recorded', 'passed'],
    ['check-recorded', 'done'],
    ['check-waived', 'waived'],
  ], 'every result is an event on the item');
  t.match(events[1]!.particulars, { step: 'Letter height', measured: '24.5', unit: 'in', limits: '23.75 – 24.25 in' }, 'the measurement and the limits it was judged against');
  t.equal(events[4]!.actor, qaUser.id, 'the waiver is the QA person’s');
  const waiverRole = await db.selectFrom('events').select('actor_role').where('action', '=', 'check-waived').executeTakeFirstOrThrow();
  t.equal(waiverRole.actor_role, 'qa', 'recorded as QA’s');
  t.equal(events[4]!.note, 'Customer accepts 1/4 in over, see email of Dec 2', 'with the reason');
  const photoCheck = await db.selectFrom('item_checks').innerJoin('item_photos', 'item_photos.id', 'item_checks.photo_id').select('item_photos.line_item_id').where('item_checks.step_id', '=', plan.photo).executeTakeFirstOrThrow();
  t.equal(photoCheck.line_item_id, id, 'the photo is kept with the item’s photos');

  await refusedWith(t, recordCheck(db, worker, unrelated, plan.weld, 0, { action: 'done' }), HttpError, 'a step of a checklist that does not apply to the item is not found');
});

t.test('two people recording the same step at once: one wins, the other is told who', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const plan = await letterPlan(db, shop);
  const id = await itemInWork(db, shop);
  const other = await createUser(db, ['production'], { name: 'Otto Other' });
  const results = await Promise.allSettled([
    recordCheck(db, { userId: shop.production.id, kioskId: null, roles: ['production'] }, id, plan.height, 0, { action: 'measure', value: '24' }),
    recordCheck(db, { userId: other.id, kioskId: null, roles: ['production'] }, id, plan.height, 0, { action: 'measure', value: '25' }),
  ]);
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one result is kept');
  const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  t.type(loser.reason, ConflictError, 'the other is a conflict');
  t.match(loser.reason.message, /(Pete Production|Otto Other) recorded “Letter height” a moment ago/, 'naming who recorded it');
  const checks = await db.selectFrom('item_checks').select(['version']).where('line_item_id', '=', id).execute();
  t.same(checks, [{ version: 1 }], 'one row, written once');
});

t.test('a finished or cancelled item’s checklist is closed', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const plan = await letterPlan(db, shop);
  const order = await placeOrder(db, shop, [{ description: 'Routed channel letters', machineId: String(shop.machines.router) }]);
  const id = order.items[0]!.id;
  await transition(db, { type: 'line_item', id }, as(shop.admin), { expectedVersion: 1, to: 'cancelled', input: { reason: 'Customer changed their mind' } });
  await t.rejects(recordCheck(db, { userId: shop.production.id, kioskId: null, roles: ['production'] }, id, plan.weld, 0, { action: 'done' }), /its checklist is closed/);
  await t.rejects(recordCheck(db, { userId: shop.installer.id, kioskId: null, roles: ['installer'] }, id, plan.weld, 0, { action: 'done' }), /do not include recording/, 'an installer records no steps');
});
