import sharp from 'sharp';
import t from 'tap';
import { pinProblem } from '../../src/accounts/pins.js';
import { buildTestApp, Client, signedInClient } from '../helpers/app.js';
import { createStation, enrolTablet, givePin } from '../helpers/kiosk.js';
import { placeOrder, seedShop } from '../helpers/shop.js';
import type { Db } from '../../src/db/database.js';

async function eventsOf(db: Db, itemId: number) {
  return db
    .selectFrom('events')
    .select(['action', 'actor_user_id as actor', 'actor_via as via', 'from_status as fromStatus', 'to_status as toStatus', 'note', 'particulars'])
    .where('subject_type', '=', 'line_item')
    .where('subject_id', '=', itemId)
    .orderBy('id')
    .execute();
}

async function itemState(db: Db, itemId: number) {
  return db.selectFrom('line_items').select(['status', 'version', 'fulfillment_method', 'hold_reason']).where('id', '=', itemId).executeTakeFirstOrThrow();
}

async function openLogs(db: Db, itemId: number) {
  return db.selectFrom('work_logs').select(['user_id', 'kiosk_id']).where('line_item_id', '=', itemId).where('ended_at', 'is', null).orderBy('user_id').execute();
}

t.test('an admin creates a kiosk and enrols a tablet with a one-time code; revoking it shuts the tablet out', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const { client: admin } = await signedInClient(app, db, ['admin']);

  const invalid = await admin.post('/admin/kiosks', { name: '', idleSeconds: '5' });
  t.equal(invalid.statusCode, 422, 'a kiosk without a name, queues or a sane idle time is refused');
  t.match(invalid.body, /Name the station/);
  t.match(invalid.body, /Choose at least one queue/);
  t.match(invalid.body, /between 15 and 900 seconds/);

  const created = await admin.post('/admin/kiosks', { name: 'Router bay', queueKeys: ['pending', 'wip'], machineIds: [String(shop.machines.router)], idleSeconds: '60' });
  t.equal(created.statusCode, 303);
  const kioskPath = String(created.headers.location);
  t.match(kioskPath, /^\/admin\/kiosks\/\d+$/);
  const duplicate = await admin.post('/admin/kiosks', { name: 'router BAY', queueKeys: ['pending'], idleSeconds: '60' });
  t.match(duplicate.body, /already has this name/, 'names are unique, whatever the case');

  const enrolPage = await admin.post(`${kioskPath}/enrolments`);
  t.equal(enrolPage.statusCode, 200);
  const code = /class="enrolment-code">([A-Z0-9-]+)</.exec(enrolPage.body)?.[1];
  const link = /(\/kiosk\/enrol\/[A-Za-z0-9_-]{43})/.exec(enrolPage.body)?.[1];
  t.ok(code && /^[A-Z2-9]{4}-[A-Z2-9]{4}$/.test(code), `a readable code is shown (${code})`);
  t.match(enrolPage.body, /<svg/, 'with a QR code of the enrolment link');
  t.ok(link, 'and the link itself');

  const tablet = new Client(app);
  const unenrolled = await tablet.get('/kiosk');
  t.equal(unenrolled.statusCode, 303, 'a tablet without a credential is sent to enrol');
  t.equal(unenrolled.headers.location, '/kiosk/enrol');
  await tablet.get('/kiosk/enrol');
  const wrong = await tablet.post('/kiosk/enrol', { code: 'AAAA-BBBB' });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, /That code does not work/);
  t.match(wrong.body, /value="AAAA-BBBB"/, 'what was typed stays in the field');

  const enrolled = await tablet.post('/kiosk/enrol', { code: code!.toLowerCase().replace('-', ' ') });
  t.equal(enrolled.statusCode, 303, 'the code works typed in lower case with a space');
  const credentialCookie = enrolled.cookies.find((c) => c.name === 'traveler.kiosk');
  t.ok(credentialCookie, 'the tablet gets its kiosk credential');
  t.equal(credentialCookie!.path, '/kiosk', 'sent only to kiosk pages');
  t.equal(credentialCookie!.httpOnly, true);
  t.equal(credentialCookie!.sameSite, 'Strict');
  t.ok((credentialCookie!.maxAge ?? 0) > 300 * 24 * 3600, 'long-lived');
  const stored = await db.selectFrom('kiosk_devices').select('credential_hash').executeTakeFirstOrThrow();
  t.not(stored.credential_hash, credentialCookie!.value, 'only a hash of the credential is stored');
  const home = await tablet.get('/kiosk');
  t.equal(home.statusCode, 200);
  t.match(home.body, /Router bay/);

  const other = new Client(app);
  await other.get('/kiosk/enrol');
  const reused = await other.post('/kiosk/enrol', { code: code! });
  t.equal(reused.statusCode, 422, 'a code works once');

  const linkPage = await other.get(link!);
  t.equal(linkPage.statusCode, 410, 'the link of a used enrolment no longer works either');

  // A fresh enrolment through the link, then an expired one.
  const second = await admin.post(`${kioskPath}/enrolments`);
  const secondLink = /(\/kiosk\/enrol\/[A-Za-z0-9_-]{43})/.exec(second.body)![1]!;
  const confirm = await other.get(secondLink);
  t.equal(confirm.statusCode, 200);
  t.match(confirm.body, /will become the kiosk for <strong>Router bay<\/strong>/);
  t.equal((await other.post(secondLink)).statusCode, 303, 'the link enrols after a confirming tap');
  t.equal((await other.get('/kiosk')).statusCode, 200);
  const again = await admin.post(`${kioskPath}/enrolments`);
  const againCode = /class="enrolment-code">([A-Z0-9-]+)</.exec(again.body)![1]!;
  await other.get('/kiosk/enrol');
  t.equal((await other.post('/kiosk/enrol', { code: againCode })).statusCode, 303, 'an enrolled tablet can be enrolled again');
  const active = await db.selectFrom('kiosk_devices').select('id').where('revoked_at', 'is', null).execute();
  t.equal(active.length, 2, 'its old credential is revoked, not left behind');

  const third = await admin.post(`${kioskPath}/enrolments`);
  const thirdCode = /class="enrolment-code">([A-Z0-9-]+)</.exec(third.body)![1]!;
  await db.updateTable('kiosk_enrolments').set({ expires_at: new Date(Date.now() - 1000) }).execute();
  const late = new Client(app);
  await late.get('/kiosk/enrol');
  t.equal((await late.post('/kiosk/enrol', { code: thirdCode })).statusCode, 422, 'an expired code is refused');

  const devicesPage = await admin.get(kioskPath);
  const deviceIds = [...devicesPage.body.matchAll(/\/devices\/(\d+)\/revoke/g)].map((m) => m[1]);
  t.equal(deviceIds.length, 2, 'both tablets in use are listed with a sign-out button');
  const revoked = await admin.post(`${kioskPath}/devices/${deviceIds[deviceIds.length - 1]}/revoke`);
  t.equal(revoked.statusCode, 303);
  const afterRevoke = await tablet.get('/kiosk');
  t.equal(afterRevoke.statusCode, 303, 'the revoked tablet is shut out at once');
  t.equal(afterRevoke.headers.location, '/kiosk/enrol');
  t.equal((await other.get('/kiosk')).statusCode, 200, 'the other tablet keeps working');

  const unconfirmed = await admin.post(`${kioskPath}/delete`);
  t.equal(unconfirmed.statusCode, 422, 'removing a kiosk asks for confirmation');
  t.match(unconfirmed.body, /Tick the box to confirm/);
  t.equal((await admin.post(`${kioskPath}/delete`, { confirm: '1' })).statusCode, 303);
  t.equal((await other.get('/kiosk')).statusCode, 303, 'a removed kiosk’s tablets are shut out');
  t.equal((await admin.get(kioskPath)).statusCode, 404);

  const revocations = await db.selectFrom('events').select('action').where('subject_type', '=', 'kiosk').orderBy('id').execute();
  t.ok(revocations.some((e) => e.action === 'device-revoked') && revocations.some((e) => e.action === 'device-enrolled'), 'enrolment and revocation are recorded');
});

t.test('a kiosk credential opens kiosk pages only, and kiosk pages need the kiosk credential and its token', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const tablet = await enrolTablet(app, db, shop.admin.id, await createStation(db, shop.admin.id));
  for (const path of ['/', '/queues/pending', '/orders', '/admin/users', '/admin/kiosks', '/account', '/items/1', '/photos/1']) {
    const response = await tablet.client.get(path);
    t.ok(response.statusCode === 303 && String(response.headers.location).startsWith('/login'), `the kiosk cannot open ${path} (got ${response.statusCode})`);
  }
  const { client: office } = await signedInClient(app, db, ['admin']);
  const fromOffice = await office.get('/kiosk');
  t.equal(fromOffice.statusCode, 303, 'an office session is not a kiosk');
  t.equal(fromOffice.headers.location, '/kiosk/enrol');

  const pin = await givePin(db, shop.production.id);
  const forged = await tablet.post('/kiosk/sign-in', { worker: String(shop.production.id), pin }, 'not-the-token');
  t.equal(forged.statusCode, 403, 'a post without the kiosk token is refused');
  const missing = await tablet.post('/kiosk/sign-in', { worker: String(shop.production.id), pin }, false);
  t.equal(missing.statusCode, 403);
  t.equal((await tablet.signIn(shop.production.id, pin)).statusCode, 200, 'with the token it works');
});

t.test('PINs: 4–6 digits, argon2-hashed, wrong ones counted, five in a row lock the person out', async (t) => {
  t.equal(pinProblem('12'), 'Use 4 to 6 digits.');
  t.equal(pinProblem('1234567'), 'Use 4 to 6 digits.');
  t.equal(pinProblem('12a4'), 'Use 4 to 6 digits.');
  t.match(pinProblem('7777'), /repeated/);
  t.match(pinProblem('3456'), /counting/);
  t.match(pinProblem('9876'), /counting/);
  t.equal(pinProblem('4812'), undefined);
  t.equal(pinProblem('093817'), undefined);

  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const tablet = await enrolTablet(app, db, shop.admin.id, await createStation(db, shop.admin.id));
  const pin = await givePin(db, shop.production.id, '4812');
  const stored = await db.selectFrom('users').select('pin_hash').where('id', '=', shop.production.id).executeTakeFirstOrThrow();
  t.match(stored.pin_hash, /^\$argon2id\$/, 'the PIN is stored as an argon2id hash');

  const home = await tablet.home();
  t.match(home.body, /Pete Production/, 'people with a PIN are listed to tap');
  t.notMatch(home.body, /Sam Sales/, 'people without a PIN are not');

  const ok = await tablet.signIn(shop.production.id, pin);
  t.equal(ok.statusCode, 200);
  t.match(ok.body, /Signed in: <strong>Pete Production<\/strong>/);
  await tablet.post('/kiosk/sign-out');

  for (let attempt = 1; attempt <= 4; attempt++) {
    const wrong = await tablet.signIn(shop.production.id, '0000');
    t.equal(wrong.statusCode, 422);
    t.match(wrong.body, new RegExp(`${5 - attempt} tr(y|ies) left`), `attempt ${attempt} says how many tries are left`);
  }
  const locked = await tablet.signIn(shop.production.id, '0000');
  t.equal(locked.statusCode, 423, 'the fifth wrong PIN locks the person out');
  t.match(locked.body, /Too many wrong PINs: Pete Production is locked out until/);
  const stillLocked = await tablet.signIn(shop.production.id, pin);
  t.equal(stillLocked.statusCode, 423, 'even the right PIN is refused while locked');
  const device = await db.selectFrom('kiosk_devices').select('operator_user_id').executeTakeFirstOrThrow();
  t.equal(device.operator_user_id, null, 'nobody is signed in');
  const pinEvents = await db.selectFrom('events').select('action').where('actor_user_id', '=', shop.production.id).where('subject_type', '=', 'kiosk').execute();
  t.equal(pinEvents.filter((e) => e.action === 'pin-wrong').length, 4, 'wrong PINs are recorded');
  t.ok(pinEvents.some((e) => e.action === 'pin-locked'));

  // An admin setting a new PIN unlocks it.
  const { client: admin } = await signedInClient(app, db, ['admin']);
  const adminPage = await admin.get(`/admin/users/${shop.production.id}`);
  t.match(adminPage.body, /Locked out after too many wrong PINs/, 'the admin sees the lockout');
  const badPin = await admin.post(`/admin/users/${shop.production.id}/pin`, { pin: '1111' });
  t.equal(badPin.statusCode, 422);
  t.match(badPin.body, /not the same one repeated/);
  t.equal((await admin.post(`/admin/users/${shop.production.id}/pin`, { pin: '5931' })).statusCode, 303);
  t.equal((await tablet.signIn(shop.production.id, '5931')).statusCode, 200, 'the new PIN works at once');

  // People set their own PIN, proving it is them with their password.
  const { client: worker, user } = await signedInClient(app, db, ['production']);
  const noPassword = await worker.post('/account/pin', { newPin: '2468', pinPassword: 'wrong password' });
  t.equal(noPassword.statusCode, 422);
  t.match(noPassword.body, /not your current password/);
  t.equal((await worker.post('/account/pin', { newPin: '2468', pinPassword: user.password })).statusCode, 303);
  t.equal((await tablet.signIn(user.id, '2468')).statusCode, 200);
});

t.test('every kiosk action is recorded as the employee, via the kiosk', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const tablet = await enrolTablet(app, db, shop.admin.id, await createStation(db, shop.admin.id, { name: 'Router bay' }));
  const pin = await givePin(db, shop.production.id);
  const order = await placeOrder(db, shop, [{ description: 'Acrylic letters', fulfillmentMethod: 'installation', notes: 'Use the 3 mm bit' }, { description: 'Sign panel' }]);
  t.match((await tablet.get('/kiosk/queue')).body, /Notes: Use the 3 mm bit/, 'station cards show the item’s notes');
  const [first, second] = order.items;

  const nobody = await tablet.post(`/kiosk/items/${first!.id}/start`, { status: 'pending', version: String(first!.version) });
  t.equal(nobody.statusCode, 401, 'nothing happens while nobody is signed in');
  t.match(nobody.body, /Nobody is signed in at this kiosk/);

  await tablet.signIn(shop.production.id, pin, String(first!.id));
  const started = await tablet.post(`/kiosk/items/${first!.id}/start`, { status: 'pending', version: String(first!.version) });
  t.equal(started.statusCode, 200);
  t.match(started.body, /Started: .* is now in work/);
  t.equal((await itemState(db, first!.id)).status, 'in_progress', 'starting a pending item moves it into work');
  t.same(await openLogs(db, first!.id), [{ user_id: shop.production.id, kiosk_id: tablet.kioskId }], 'and starts the worker’s clock');

  const again = await tablet.post(`/kiosk/items/${first!.id}/start`, { status: 'in_progress', version: String((await itemState(db, first!.id)).version) });
  t.equal(again.statusCode, 422);
  t.match(again.body, /already working on this item/);

  const paused = await tablet.post(`/kiosk/items/${first!.id}/pause`);
  t.match(paused.body, /Paused after/);
  t.same(await openLogs(db, first!.id), []);
  const pauseAgain = await tablet.post(`/kiosk/items/${first!.id}/pause`);
  t.match(pauseAgain.body, /not working on this item right now/);
  await tablet.post(`/kiosk/items/${first!.id}/start`, { status: 'in_progress', version: String((await itemState(db, first!.id)).version) });
  const finished = await tablet.post(`/kiosk/items/${first!.id}/finish`);
  t.match(finished.body, /Your work is finished/);

  const emptyNote = await tablet.post(`/kiosk/items/${first!.id}/notes`, { note: '   ' });
  t.equal(emptyNote.statusCode, 422);
  const longNote = 'x'.repeat(2001);
  const tooLong = await tablet.post(`/kiosk/items/${first!.id}/notes`, { note: longNote });
  t.equal(tooLong.statusCode, 422);
  t.ok(tooLong.body.includes(longNote), 'a refused note is handed back, not lost');
  t.match(tooLong.body, /id="note-error" class="field-error">Keep the note under 2000 characters/, 'with the reason beside the note');
  const multiline = await tablet.post(`/kiosk/items/${second!.id}/notes`, { note: `${'y'.repeat(1000)}\r\n${'z'.repeat(999)}` });
  t.match(multiline.body, /Note saved/, 'a line break a browser sends as CR LF counts once, as the box counted it');
  const noted = await tablet.post(`/kiosk/items/${first!.id}/notes`, { note: 'Edge chipped <b>here</b>' });
  t.match(noted.body, /Note saved/);
  t.match(noted.body, /Edge chipped &lt;b&gt;here&lt;\/b&gt;/, 'notes are shown escaped');

  const photo = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#c00' } }).jpeg().withExif({ IFD0: { Make: 'TestCam' } }).toBuffer();
  const attached = await tablet.postPhoto(first!.id, photo);
  t.equal(attached.statusCode, 200);
  t.match(attached.body, /Photo attached/);
  const storedPhoto = await db.selectFrom('item_photos').select(['id', 'image', 'thumbnail', 'width', 'height']).executeTakeFirstOrThrow();
  t.same([storedPhoto.width, storedPhoto.height], [640, 480]);
  t.notOk((await sharp(storedPhoto.image).metadata()).exif, 'camera metadata is not kept');
  t.ok((await sharp(storedPhoto.thumbnail).metadata()).width! <= 320, 'a thumbnail is made');
  const served = await tablet.client.get(`/kiosk/photos/${storedPhoto.id}/thumbnail`);
  t.equal(served.headers['content-type'], 'image/jpeg');
  const stationWithPhoto = await tablet.get('/kiosk/queue');
  t.match(stationWithPhoto.body, new RegExp(`/kiosk/photos/${storedPhoto.id}/thumbnail[^>]*>\\s*1 photo`), 'the station card shows the newest photo');
  const fake = await tablet.postPhoto(first!.id, Buffer.from('<script>alert(1)</script>'), 'photo.jpg', 'image/jpeg');
  t.equal(fake.statusCode, 422, 'a file that is not a picture is refused, whatever it claims to be');
  t.match(fake.body, /not a photo Traveler can read/);
  const tooBig = await tablet.postPhoto(first!.id, Buffer.alloc(16 * 1024 * 1024, 1));
  t.equal(tooBig.statusCode, 422);
  t.match(tooBig.body, /over 15 MB/);

  const noReason = await tablet.post(`/kiosk/items/${second!.id}/hold`, { status: 'pending', version: String(second!.version), reason: '' });
  t.equal(noReason.statusCode, 422);
  t.match(noReason.body, /Say why/);
  t.match(noReason.body, /<details class="hold-choices" open>[\s\S]*id="other-reason-error" class="field-error">Say why/, 'the reason is asked for beside its field, with the choices open');
  const held = await tablet.post(`/kiosk/items/${second!.id}/hold`, { status: 'pending', version: String(second!.version), reason: 'Quality problem' });
  t.match(held.body, /on hold: Quality problem/);
  t.same([(await itemState(db, second!.id)).status, (await itemState(db, second!.id)).hold_reason], ['on_hold', 'Quality problem']);

  await tablet.post(`/kiosk/items/${first!.id}/start`, { status: 'in_progress', version: String((await itemState(db, first!.id)).version) });
  const stale = await tablet.post(`/kiosk/items/${first!.id}/built`, { status: 'in_progress', version: '1', fulfillmentMethod: 'installation' });
  t.equal(stale.statusCode, 409, 'a stale version is a conflict');
  t.match(stale.body, /was changed by Pete Production/);
  const built = await tablet.post(`/kiosk/items/${first!.id}/built`, { status: 'in_progress', version: String((await itemState(db, first!.id)).version), fulfillmentMethod: 'delivery' });
  t.equal(built.statusCode, 200);
  t.match(built.body, /is BUILT · awaiting delivery/);
  const afterBuilt = await itemState(db, first!.id);
  t.same([afterBuilt.status, afterBuilt.fulfillment_method], ['awaiting_delivery', 'delivery'], 'BUILT confirms (here: changes) the fulfillment method');
  t.same(await openLogs(db, first!.id), [], 'every clock on the item stops when it is BUILT');

  const events = await eventsOf(db, first!.id);
  t.same(
    events.map((e) => e.action),
    ['status-changed', 'work-started', 'work-paused', 'work-started', 'work-finished', 'note-added', 'photo-attached', 'work-started', 'status-changed', 'work-stopped'],
    'one event per action',
  );
  for (const event of events) {
    t.equal(event.actor, shop.production.id, `${event.action} is recorded as the employee`);
    t.equal(event.via, 'kiosk Router bay', `${event.action} is recorded via the kiosk`);
  }
  t.same([events[0]!.fromStatus, events[0]!.toStatus], ['pending', 'in_progress']);
  t.same([events[8]!.fromStatus, events[8]!.toStatus], ['in_progress', 'awaiting_delivery']);
  const holdEvent = (await eventsOf(db, second!.id)).find((e) => e.toStatus === 'on_hold');
  t.same([holdEvent?.note, holdEvent?.via], ['Quality problem', 'kiosk Router bay']);

  const heldPanel = await tablet.get(`/kiosk/items/${second!.id}`);
  t.match(heldPanel.body, new RegExp(`hx-post="/kiosk/items/${second!.id}/resume"`), 'a held item offers Resume at the kiosk');
  t.notMatch(heldPanel.body, /Put on hold…/, 'and no second hold');
  const resumed = await tablet.post(`/kiosk/items/${second!.id}/resume`, { status: 'on_hold', version: String((await itemState(db, second!.id)).version) });
  t.equal(resumed.statusCode, 200);
  t.match(resumed.body, /is back in Pending/);
  t.same([(await itemState(db, second!.id)).status, (await itemState(db, second!.id)).hold_reason], ['pending', null], 'back where it was before the hold');
  const resumeEvent = (await eventsOf(db, second!.id)).find((e) => e.fromStatus === 'on_hold');
  t.same([resumeEvent?.toStatus, resumeEvent?.via], ['pending', 'kiosk Router bay'], 'an event as the worker, via the kiosk');
  const notHeld = await tablet.post(`/kiosk/items/${second!.id}/resume`, { status: 'pending', version: String((await itemState(db, second!.id)).version) });
  t.equal(notHeld.statusCode, 422, 'resuming an item that is not on hold is refused');

  const { client: office } = await signedInClient(app, db, ['production']);
  const itemPage = await office.get(`/items/${first!.id}`);
  t.match(itemPage.body, /Time worked/);
  t.match(itemPage.body, /Pete Production/);
  t.match(itemPage.body, /\(as Production, kiosk Router bay\)/, 'the office history says which kiosk, and in which role');
  t.match(itemPage.body, /Edge chipped/);
  t.match(itemPage.body, /\/photos\/\d+\/thumbnail/);
  const orderPage = await office.get(`/orders/${order.id}`);
  t.match(orderPage.body, /Time on this order/);
});

t.test('two employees work on one item at once, each on their own clock', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const kioskId = await createStation(db, shop.admin.id);
  const [tabletA, tabletB] = [await enrolTablet(app, db, shop.admin.id, kioskId), await enrolTablet(app, db, shop.admin.id, kioskId)];
  const { createUser } = await import('../helpers/app.js');
  const second = await createUser(db, ['production'], { name: 'Quinn Second' });
  const pinA = await givePin(db, shop.production.id, '4812');
  const pinB = await givePin(db, second.id, '7391');
  const order = await placeOrder(db, shop, [{ description: 'Big monument sign', expectedHours: '2' }]);
  const item = order.items[0]!;
  await tabletA.signIn(shop.production.id, pinA);
  await tabletB.signIn(second.id, pinB);

  const inWork = await tabletA.post(`/kiosk/items/${item.id}/start`, { status: 'pending', version: String(item.version) });
  t.equal(inWork.statusCode, 200);
  const [joinA, joinB] = await Promise.all([
    tabletA.post(`/kiosk/items/${item.id}/pause`),
    tabletB.post(`/kiosk/items/${item.id}/start`, { status: 'in_progress', version: String((await itemState(db, item.id)).version) }),
  ]);
  t.equal(joinA.statusCode, 200);
  t.equal(joinB.statusCode, 200, 'the second person joins without a conflict: starting work does not change the item');
  await tabletA.post(`/kiosk/items/${item.id}/start`, { status: 'in_progress', version: String((await itemState(db, item.id)).version) });
  t.same((await openLogs(db, item.id)).map((l) => l.user_id).sort(), [shop.production.id, second.id].sort(), 'both clocks run');

  const queue = await tabletA.get('/kiosk/queue');
  t.match(queue.body, /Working: (Pete Production, Quinn Second|Quinn Second, Pete Production)/, 'the station shows both at work');

  await db.updateTable('work_logs').set({ started_at: new Date(Date.now() - 45 * 60_000) }).where('user_id', '=', second.id).where('ended_at', 'is', null).execute();
  await tabletB.post(`/kiosk/items/${item.id}/finish`);
  t.same((await openLogs(db, item.id)).map((l) => l.user_id), [shop.production.id], 'finishing stops only your own clock');
  const panel = await tabletA.get(`/kiosk/items/${item.id}`);
  t.match(panel.body, /Quinn Second: 45 min/);
  t.match(panel.body, /of 2 h 00 min expected/);

  const { client: office } = await signedInClient(app, db, ['production']);
  const wip = await office.get('/queues/wip');
  t.match(wip.body, /45 min \/ 2 h 00 min/, 'the queue shows worked against expected time');
});

t.test('scanning a job traveler: known codes open the item, an order number lists its items, unknown codes say so', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const tablet = await enrolTablet(app, db, shop.admin.id, await createStation(db, shop.admin.id));
  const two = await placeOrder(db, shop, [{ description: 'Window vinyl' }, { description: 'Door plaque' }]);
  const one = await placeOrder(db, shop, [{ description: 'Lobby sign' }]);

  const byCode = await tablet.get(`/kiosk/find?code=${two.number}-2`);
  t.equal(byCode.statusCode, 200);
  t.match(byCode.body, new RegExp(`${two.number} · 2/2`));
  t.match(byCode.body, /Door plaque/);
  t.match(byCode.body, /id="scan-code"[^>]*value=""[^>]*autofocus/, 'the scan field is emptied and focused for the next scan');
  const asShown = await tablet.get(`/kiosk/find?code=${encodeURIComponent(`${two.number} · 1/2`)}`);
  t.match(asShown.body, /Window vinyl/, 'the label as shown on screens works too');

  const orderOnly = await tablet.get(`/kiosk/find?code=${two.number}`);
  t.match(orderOnly.body, new RegExp(`Order ${two.number}: which item\\?`));
  t.match(orderOnly.body, /Window vinyl[\s\S]*Door plaque/);
  const single = await tablet.get(`/kiosk/find?code=${one.number}`);
  t.match(single.body, /Lobby sign/, 'an order with one item opens it directly');
  t.match(single.body, /id="kiosk-item"[^>]*hx-swap-oob/);

  const noItem = await tablet.get(`/kiosk/find?code=${two.number}-7`);
  t.match(noItem.body, new RegExp(`Order ${two.number} has no item 7; it has 2.`));
  const noOrder = await tablet.get('/kiosk/find?code=99999-1');
  t.match(noOrder.body, /There is no order 99999./);
  const garbage = await tablet.get(`/kiosk/find?code=${encodeURIComponent('<img src=x>')}`);
  t.match(garbage.body, /is not a job code/);
  t.notMatch(garbage.body, /<img src=x>/, 'what was scanned is escaped');
  t.notMatch(garbage.body, /id="kiosk-item"/, 'an unknown code leaves the open item alone');

  const { client: office } = await signedInClient(app, db, ['sales']);
  const traveler = await office.get(`/orders/${two.id}/traveler`);
  t.equal(traveler.statusCode, 200);
  t.equal((traveler.body.match(/class="traveler"/g) ?? []).length, 2, 'one block per item');
  t.match(traveler.body, new RegExp(`${two.number}-1`));
  t.match(traveler.body, /aria-label="Barcode \d+-2"/);
  t.equal((traveler.body.match(/<svg/g) ?? []).length, 4, 'a QR code and a barcode per item');
});

t.test('the station queue shows its queues and machines only, and refreshes only when something changed', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const tablet = await enrolTablet(app, db, shop.admin.id, await createStation(db, shop.admin.id, { machineIds: [shop.machines.router] }));
  await placeOrder(db, shop, [
    { description: 'Routed acrylic', machineId: String(shop.machines.router) },
    { description: 'Printed banner', machineId: String(shop.machines.printer) },
  ]);
  const home = await tablet.home();
  t.match(home.body, /Routed acrylic/);
  t.notMatch(home.body, /Printed banner/, 'other machines’ work is not shown');
  const seen = /hx-get="\/kiosk\/queue\?seen=([^"]+)"/.exec(home.body)![1]!;
  const unchanged = await tablet.get(`/kiosk/queue?seen=${seen}`);
  t.equal(unchanged.statusCode, 204, 'nothing new: no content');
  await placeOrder(db, shop, [{ description: 'Routed sign two', machineId: String(shop.machines.router) }]);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const changed = await tablet.get(`/kiosk/queue?seen=${seen}`);
  t.equal(changed.statusCode, 200);
  t.match(changed.body, /Routed sign two/);
  t.notMatch(changed.body, /id="kiosk-scan"|id="kiosk-item"/, 'the refresh touches only the queue: the open item and a half-typed note stay');
});
