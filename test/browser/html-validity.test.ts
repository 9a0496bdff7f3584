/**
 * Every kind of page Traveler renders, with real data, through the W3C Nu HTML checker (the
 * vnu-jar package's vnu.jar, one JVM for all pages). htmx's hx-* attributes are the only
 * findings allowed. Needs Java: skipped loudly without it, a failure under CI=true.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { passwordResetPurpose } from '../../src/accounts/users.js';
import { demoPassword, demoPin, seedDemoShop } from '../../src/demo/seed.js';
import { startEnrolment } from '../../src/kiosk/devices.js';
import { orderStatusPurpose } from '../../src/notifications/customer-updates.js';
import { issueToken } from '../../src/platform/tokens.js';
import { addItemNote } from '../../src/production/item-notes.js';
import { attachPhoto } from '../../src/line-items/photos.js';
import { startWork } from '../../src/production/work-logs.js';
import { sweepAlerts } from '../../src/alerts/sweep.js';
import { tellOwnersOfNewAlerts } from '../../src/notifications/alerts.js';
import { loadWorkflow } from '../../src/workflow/definition.js';
import { buildTestApp, Client } from '../helpers/app.js';
import { enrolTablet } from '../helpers/kiosk.js';

const vnuJar = join(createRequire(import.meta.url).resolve('vnu-jar/package.json'), '..', 'build', 'dist', 'vnu.jar');

function javaCommand(): string | undefined {
  const candidates = [process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : undefined, 'java'].filter((c): c is string => Boolean(c));
  return candidates.find((command) => spawnSync(command, ['-version'], { stdio: 'ignore' }).status === 0);
}

/** htmx's own attributes are not HTML; everything else the checker says is a real error. */
const htmxAttribute = /^Attribute “hx-[a-z-]+” not allowed on element “[a-z0-9]+” at this point\.$/;

interface VnuMessage {
  type: string;
  subType?: string;
  url?: string;
  message: string;
  extract?: string;
  lastLine?: number;
  firstColumn?: number;
}

/** A fragment that htmx swaps in, checked inside a bare document of its own. */
function asDocument(title: string, fragment: string): string {
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${title}</title>\n</head>\n<body>\n${fragment}\n</body>\n</html>\n`;
}

interface Page {
  name: string;
  html: string;
}

class Pages {
  readonly pages: Page[] = [];

  constructor(private readonly t: Test) {}

  /** Fetches a page, checks its status and keeps its HTML for the checker. */
  async add(
    name: string,
    response: Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>,
    status: number,
    options: { fragment?: boolean } = {},
  ) {
    const answer = await response;
    this.t.equal(answer.statusCode, status, `${name}: status ${status}`);
    this.t.match(String(answer.headers['content-type']), /^text\/html/, `${name}: HTML`);
    this.pages.push({ name, html: options.fragment ? asDocument(name, answer.body) : answer.body });
    return answer;
  }
}

t.test('every page passes the W3C Nu HTML checker, apart from htmx attributes', async (t) => {
  const java = javaCommand();
  if (!java) {
    const message = 'Java is not installed, so the HTML checker cannot run (apt-get install -y default-jre-headless)';
    if (process.env.CI === 'true') t.fail(message);
    else {
      console.error(`\n${'!'.repeat(78)}\n! ${message}: SKIPPED\n${'!'.repeat(78)}\n`);
      t.skip(message, () => {});
    }
    return;
  }

  const pages = new Pages(t);

  // A fresh shop: the setup page, and its answer to a bad password.
  {
    const { app } = await buildTestApp(t);
    const visitor = new Client(app);
    await pages.add('setup', visitor.get('/setup'), 200);
    await pages.add('setup-422', visitor.post('/setup', { shopName: '', name: 'Ada', email: 'not-an-email', password: 'short' }), 422);
  }

  const { app, db } = await buildTestApp(t);
  await seedDemoShop(db, { orders: 60 });
  const person = (email: string) => db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
  const admin = await person('dana@demo.traveler');
  const builder = await db
    .selectFrom('users')
    .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
    .select('users.id')
    .where('user_roles.role', '=', 'production')
    .where('users.pin_hash', 'is not', null)
    .orderBy('users.id')
    .executeTakeFirstOrThrow();
  const itemIn = (status: string) =>
    db.selectFrom('line_items').select(['id', 'order_id', 'version']).where('status', '=', status).orderBy('id').limit(1).executeTakeFirstOrThrow();

  // An item in work with someone's clock running, a note and a photo from the floor.
  const working = await itemIn('in_progress');
  await startWork(db, { userId: builder.id, kioskId: null }, working.id);
  await addItemNote(db, { userId: builder.id, kioskId: null }, working.id, 'Edges need another pass.');
  const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#cc3333' } }).jpeg().toBuffer();
  await attachPhoto(db, { userId: builder.id, kioskId: null }, working.id, photo);
  await db.updateTable('orders').set({ notes: 'Customer collects after 3 pm.' }).where('id', '=', working.order_id).execute();
  const held = await itemIn('on_hold');
  const shipping = await itemIn('awaiting_shipping');
  const shipped = await itemIn('shipped');
  const order = await db.selectFrom('orders').select(['id', 'version']).where('id', '=', working.order_id).executeTakeFirstOrThrow();
  const customer = await db.selectFrom('customers').select('id').orderBy('id').limit(1).executeTakeFirstOrThrow();
  // Unread alerts, so the alerts page and the navigation show them.
  const alerts = await db.selectFrom('alerts').select('id').orderBy('id').limit(5).execute();
  await db.updateTable('alerts').set({ user_id: admin.id, read_at: null }).where('id', 'in', alerts.length ? alerts.map((a) => a.id) : [0]).execute();

  const office = new Client(app);
  t.equal((await office.signIn('dana@demo.traveler', demoPassword)).statusCode, 303, 'the admin signs in');

  await pages.add('dashboard', office.get('/'), 200);
  for (const queue of await db.selectFrom('queues').select('key').where('workflow', '=', 'production').orderBy('position').execute()) {
    await pages.add(`queue-${queue.key}`, office.get(`/queues/${queue.key}`), 200);
  }
  await pages.add('queue-filters-422', office.get('/queues/pending?machine=x&due_from=2026-13-45&sort=sideways&overdue=1&q=sign'), 422);

  await pages.add('item-in-work', office.get(`/items/${working.id}?return=/queues/wip`), 200);
  await pages.add('item-on-hold', office.get(`/items/${held.id}`), 200);
  await pages.add('item-awaiting-shipping', office.get(`/items/${shipping.id}?to=shipped`), 200);
  await pages.add('item-shipped', office.get(`/items/${shipped.id}`), 200);
  const holdRefused = await pages.add('item-hold-422', office.post(`/items/${working.id}/transitions`, { version: String(working.version), from: 'in_progress', to: 'on_hold', reason: '', returnTo: '/queues/wip' }), 422);
  await pages.add('item-shipped-422', office.post(`/items/${shipping.id}/transitions`, { version: String(shipping.version), from: 'awaiting_shipping', to: 'shipped', carrier: '', tracking: 'https://bad link' }), 422);
  await pages.add('item-stale-409', office.post(`/items/${held.id}/transitions`, { version: String(held.version + 5), from: 'on_hold', to: 'cancelled', reason: 'Customer cancelled' }), 409);

  await pages.add('orders', office.get('/orders'), 200);
  await pages.add('orders-search', office.get('/orders?q=nothing-matches-this'), 200);
  // A document on the order (so its table shows), and an upload refused for what the file is.
  await office.get(`/orders/${order.id}`);
  await office.upload(`/orders/${order.id}/documents`, { title: 'Artwork proof', visibility: 'customer' }, { name: 'proof.pdf', data: Buffer.from('%PDF-1.4\n%%EOF\n') });
  await office.post(`/orders/${order.id}/payments`, { amount: '250.00', receivedOn: new Date().toISOString().slice(0, 10), method: 'check', description: 'Deposit', correctsId: '' });
  await pages.add('order', office.get(`/orders/${order.id}`), 200);
  const firstItem = await db.selectFrom('line_items').select('id').where('order_id', '=', order.id).orderBy('position').limit(1).executeTakeFirstOrThrow();
  await office.upload(`/orders/${order.id}/documents`, { title: 'Cut file', visibility: 'internal', attachTo: `item-${firstItem.id}` }, { name: 'cut.pdf', data: Buffer.from('%PDF-1.4\n%%EOF\n') });
  await pages.add('item-with-documents', office.get(`/items/${firstItem.id}`), 200);
  const invoiced = await db.selectFrom('orders').select('id').where('status', '=', 'in_production').orderBy('id').limit(1).executeTakeFirstOrThrow();
  await office.post(`/orders/${invoiced.id}/invoice`, {});
  await pages.add('order-invoiced', office.get(`/orders/${invoiced.id}`), 200);
  await pages.add('order-invoice-422', office.post(`/orders/${(await db.selectFrom('orders').select('id').where('status', '=', 'draft').orderBy('id').limit(1).executeTakeFirstOrThrow()).id}/invoice`, {}), 422);
  await pages.add('order-payment-422', office.post(`/orders/${order.id}/payments`, { amount: 'lots', receivedOn: '2026-02-30', method: '', description: '', correctsId: '' }), 422);
  await pages.add('order-document-422', office.upload(`/orders/${order.id}/documents`, { title: 'PO', visibility: 'internal' }, { name: 'po.pdf', data: Buffer.from('<html></html>') }), 422);
  await pages.add('order-traveler', office.get(`/orders/${order.id}/traveler`), 200);
  await pages.add('order-new', office.get(`/orders/new?customer=${customer.id}`), 200);
  await pages.add('order-edit', office.get(`/orders/${order.id}/edit`), 200);
  // The demo's orders waiting for approval: one with both reviews to make, one sent back.
  const orderIn = (status: string) => db.selectFrom('orders').select(['id', 'version']).where('status', '=', status).orderBy('id').limit(1).executeTakeFirstOrThrow();
  const inReview = await orderIn('submitted');
  await pages.add('orders-in-review', office.get('/orders?queue=review'), 200);
  await pages.add('order-in-review', office.get(`/orders/${inReview.id}`), 200);
  await pages.add('order-review-422', office.post(`/orders/${inReview.id}/reviews`, { version: String(inReview.version), kind: 'accounting', decision: 'rejected', reasonCode: '', comment: '' }), 422);
  await pages.add('order-returned', office.get(`/orders/${(await orderIn('rejected')).id}`), 200);
  await pages.add('order-move-422', office.post(`/orders/${order.id}/transitions`, { version: String(order.version), to: '', reason: '' }), 422);
  await pages.add('order-new-from-previous', office.get(`/orders/new?from=${order.id}`), 200);
  const badOrder = {
    customerId: '',
    salespersonId: 'x',
    dueDate: '2026-02-31',
    notes: 'n'.repeat(5001),
    version: '',
    action: 'save',
    item_itemId: ['', ''],
    item_number: ['', ''],
    item_description: ['Channel letters', 'Banner'],
    item_quantity: ['0', '2'],
    item_unitPrice: ['abc', '10'],
    item_machineId: ['x', ''],
    item_materialId: ['x', ''],
    item_fulfillmentMethod: ['teleport', 'pickup'],
    item_dueDate: ['2026-99-01', ''],
    item_assigneeId: ['x', ''],
    item_notes: ['', 'm'.repeat(2001)],
    item_expectedHours: ['-1', ''],
  };
  await pages.add('order-new-422', office.post('/orders', badOrder), 422);
  await pages.add('order-new-422-htmx', office.post('/orders', badOrder, { htmx: true }), 422, { fragment: true });

  await pages.add('customers', office.get('/customers'), 200);
  await pages.add('customer-new', office.get('/customers/new'), 200);
  await pages.add('customer-edit', office.get(`/customers/${customer.id}`), 200);
  await pages.add('customer-new-422', office.post('/customers', { name: '', company: 'c'.repeat(201), email: 'nope', phone: 'p'.repeat(51), address: 'a'.repeat(1001) }), 422);

  await pages.add('users', office.get('/admin/users'), 200);
  await pages.add('user-new', office.get('/admin/users/new'), 200);
  await pages.add('user-edit', office.get(`/admin/users/${builder.id}`), 200);
  await pages.add('user-new-422', office.post('/admin/users', { name: '', email: 'nope', password: 'short' }), 422);
  await pages.add('user-edit-422', office.post(`/admin/users/${admin.id}`, { name: '', email: 'nope', version: '1' }), 422);
  await pages.add('user-pin-422', office.post(`/admin/users/${builder.id}/pin`, { pin: '12' }), 422);
  // A new colleague without a password: a welcome email in the mailbox.
  t.equal((await office.post('/admin/users', { name: 'Wilhelmina Featherstonehaugh', email: 'wil@demo.traveler', roles: 'sales', password: '' })).statusCode, 303);

  await pages.add('settings', office.get('/admin/settings'), 200);
  await pages.add('carriers', office.get('/admin/carriers'), 200);
  await pages.add('carriers-422', office.post('/admin/carriers', { name: '', trackingUrlTemplate: 'http://nope' }), 422);
  // Checklists: the plans, one plan's page and its refusals, and an item part-way through its checklist.
  const plan = await db.selectFrom('checklist_templates').select('id').orderBy('id').limit(1).executeTakeFirstOrThrow();
  await pages.add('checklists', office.get('/admin/checklists'), 200);
  await pages.add('checklist', office.get(`/admin/checklists/${plan.id}`), 200);
  await pages.add('checklist-step-422', office.post(`/admin/checklists/${plan.id}/steps`, { label: '', stage: 'inspection', kind: 'measurement', lowerLimit: '5', upperLimit: '4', position: 'x' }), 422);
  const checked = await db.selectFrom('item_checks').innerJoin('checklist_steps', 'checklist_steps.id', 'item_checks.step_id').select(['item_checks.line_item_id as itemId', 'item_checks.step_id as stepId', 'item_checks.version']).where('item_checks.outcome', '=', 'failed').orderBy('item_checks.line_item_id').limit(1).executeTakeFirstOrThrow();
  await pages.add('item-checklist', office.get(`/items/${checked.itemId}`), 200);
  await pages.add('item-checklist-422', office.post(`/items/${checked.itemId}/checks`, { step: String(checked.stepId), checkVersion: String(checked.version), action: 'measure', value: 'about 24' }), 422);
  await pages.add('item-built-checklist-422', office.post(`/items/${checked.itemId}/transitions`, { version: '2', from: 'in_progress', to: 'intent:built', fulfillmentMethod: 'pickup' }), 422);
  await pages.add('settings-422', office.post('/admin/settings', { shopName: '', replyToEmail: 'nope', customerEmailDelaySeconds: '99999', version: '1' }), 422);
  await pages.add('catalog', office.get('/admin/catalog'), 200);
  await pages.add('catalog-422', office.post('/admin/catalog/machines', { name: '' }), 422);

  const kiosk = await db.selectFrom('kiosks').select('id').orderBy('id').limit(1).executeTakeFirstOrThrow();
  await pages.add('kiosks', office.get('/admin/kiosks'), 200);
  await pages.add('kiosks-422', office.post('/admin/kiosks', { name: '', idleSeconds: '3' }), 422);
  await pages.add('kiosk-enrolment', office.post(`/admin/kiosks/${kiosk.id}/enrolments`), 200);
  await pages.add('kiosk-delete-422', office.post(`/admin/kiosks/${kiosk.id}/delete`), 422);

  // Admin → Workflows: the list, a workflow with its diagram, each edit page, and their refusals.
  const revision = String((await db.selectFrom('workflows').select('revision').where('key', '=', 'production').executeTakeFirstOrThrow()).revision);
  const move = await db.selectFrom('workflow_transitions').select('id').where('workflow', '=', 'production').orderBy('id').limit(1).executeTakeFirstOrThrow();
  await pages.add('workflows', office.get('/admin/workflows'), 200);
  await pages.add('workflow', office.get('/admin/workflows/production'), 200);
  await pages.add('workflow-status', office.get('/admin/workflows/production/statuses/pending'), 200);
  await pages.add('workflow-move', office.get(`/admin/workflows/production/transitions/${move.id}`), 200);
  await pages.add('workflow-queue', office.get('/admin/workflows/production/queues/pending'), 200);
  await pages.add('workflow-status-422', office.post('/admin/workflows/production/statuses', { revision, label: '', kind: 'open', queueKey: 'pending', expectedAmount: 'soon' }), 422);
  await pages.add('workflow-delete-422', office.post('/admin/workflows/production/statuses/pending/delete', { revision }), 422);
  await pages.add('workflow-stale-409', office.post('/admin/workflows/production/queues/pending', { revision: String(Number(revision) - 1), label: 'Waiting', position: '1' }), 409);

  await pages.add('mailbox', office.get('/admin/mailbox'), 200);
  const mail = await db.selectFrom('outbox').select('id').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  await pages.add('mail-message', office.get(`/admin/mailbox/${mail.id}`), 200);
  // The alerts center with what the demo shop has: late items, quality holds, waiting on customers.
  const [workflow, clock, history] = await Promise.all([loadWorkflow(db, 'production'), app.shopClock.get(), app.durations.lookup()]);
  await sweepAlerts(db, { workflow, clock, history, now: new Date() }, tellOwnersOfNewAlerts);
  await pages.add('alerts', office.get('/alerts'), 200);
  await pages.add('alerts-mine-quality', office.get('/alerts?kind=quality_hold&mine=1'), 200);
  const shopAlert = await db.selectFrom('shop_alerts').select(['id', 'version']).where('cleared_at', 'is', null).orderBy('id').limit(1).executeTakeFirstOrThrow();
  await pages.add('alerts-answer-422', office.post(`/alerts/${shopAlert.id}/answer`, { version: String(shopAlert.version), action: 'acknowledge', reason: '' }), 422);
  await pages.add('alerts-answer-409', office.post(`/alerts/${shopAlert.id}/answer`, { version: String(shopAlert.version + 3), action: 'acknowledge', reason: 'On it' }), 409);
  await pages.add('monitoring', office.get('/monitoring'), 200);
  const batch = await db.selectFrom('batches').select('id').orderBy('id').limit(1).executeTakeFirstOrThrow();
  await pages.add('batches', office.get('/batches'), 200);
  await pages.add('batch', office.get(`/batches/${batch.id}`), 200);
  await pages.add('reports', office.get('/reports'), 200);
  await pages.add('charts', office.get('/monitoring/charts'), 200);
  await pages.add('charts-30', office.get('/monitoring/charts?period=30'), 200);
  await pages.add('reports-422', office.post('/reports/exports', { report: 'items', format: 'xlsx', from: '2026-02-30', to: '' }), 422);
  app.reportExports.threshold = 1;
  await pages.add('report-too-big', office.get(`/reports/items.xlsx?batch=${batch.id}`), 200);
  await pages.add('account', office.get('/account'), 200);
  await pages.add('account-pin-422', office.post('/account/pin', { newPin: '1111', pinPassword: 'wrong password' }), 422);
  await pages.add('account-password-422', office.post('/account/password', { currentPassword: 'wrong password', newPassword: 'short' }), 422);
  await pages.add('notifications', office.get('/account/notifications'), 200);
  const digestRefused = await pages.add('notifications-422', office.post('/account/notifications', { digest: 'weekly' }), 422);
  await pages.add('not-found', office.get('/orders/99999999'), 404);

  const production = new Client(app);
  t.equal((await production.signIn('tom@demo.traveler', demoPassword)).statusCode, 303, 'production signs in');
  await pages.add('forbidden', production.get('/admin/users'), 403);

  const visitor = new Client(app);
  await pages.add('login', visitor.get('/login'), 200);
  await pages.add('login-422', visitor.post('/login', { email: 'dana@demo.traveler', password: 'wrong password' }), 422);
  await pages.add('forgot-password', visitor.get('/password-reset'), 200);
  await pages.add('forgot-password-422', visitor.post('/password-reset', { email: 'nope' }), 422);
  await pages.add('forgot-password-sent', visitor.post('/password-reset', { email: 'nobody@demo.traveler' }), 200);
  const reset = await issueToken(db, { purpose: passwordResetPurpose, subjectType: 'user', subjectId: builder.id, lifetimeMs: 3_600_000, createdBy: admin.id });
  await pages.add('reset-password', visitor.get(`/password-reset/${reset.token}`), 200);
  await pages.add('reset-password-422', visitor.post(`/password-reset/${reset.token}`, { password: 'short' }), 422);

  const status = await issueToken(db, { purpose: orderStatusPurpose, subjectType: 'order', subjectId: shipped.order_id, lifetimeMs: 3_600_000, createdBy: null });
  await pages.add('order-status', visitor.get(`/status/${status.token}`), 200);
  const expired = await issueToken(db, { purpose: orderStatusPurpose, subjectType: 'order', subjectId: shipped.order_id, lifetimeMs: -1000, createdBy: null });
  await pages.add('link-expired', visitor.get(`/status/${expired.token}`), 410);
  await pages.add('link-unknown', visitor.get(`/status/${'x'.repeat(43)}`), 404);

  // Kiosk pages: enrolment, the station, and an item as a signed-in worker sees it.
  const tabletBrowser = new Client(app);
  await pages.add('kiosk-enrol', tabletBrowser.get('/kiosk/enrol'), 200);
  await pages.add('kiosk-enrol-422', tabletBrowser.post('/kiosk/enrol', { code: 'NOPE-NOPE' }), 422);
  const { linkToken } = await startEnrolment(db, { userId: admin.id }, kiosk.id);
  await pages.add('kiosk-enrol-link', tabletBrowser.get(`/kiosk/enrol/${linkToken}`), 200);
  await pages.add('kiosk-enrol-link-410', tabletBrowser.get(`/kiosk/enrol/${'x'.repeat(43)}`), 410);
  const tablet = await enrolTablet(app, db, admin.id, kiosk.id);
  await pages.add('kiosk-home', tablet.client.get('/kiosk'), 200);
  await pages.add('kiosk-item-signed-out', tablet.get(`/kiosk/items/${working.id}`), 200, { fragment: true });
  await pages.add('kiosk-pin', tablet.get(`/kiosk/sign-in?worker=${builder.id}&item=${working.id}`), 200, { fragment: true });
  await pages.add('kiosk-pin-422', tablet.signIn(builder.id, '0000', String(working.id)), 422, { fragment: true });
  await pages.add('kiosk-signed-in', tablet.signIn(builder.id, demoPin, String(working.id)), 200, { fragment: true });
  await pages.add('kiosk-item', tablet.get(`/kiosk/items/${working.id}`), 200, { fragment: true });
  await pages.add('kiosk-item-held', tablet.get(`/kiosk/items/${held.id}`), 200, { fragment: true });
  await pages.add('kiosk-item-checklist', tablet.get(`/kiosk/items/${checked.itemId}`), 200, { fragment: true });
  await pages.add('kiosk-check-422', tablet.post(`/kiosk/items/${checked.itemId}/checks`, { step: String(checked.stepId), checkVersion: String(checked.version), action: 'measure', value: 'x' }), 422, { fragment: true });
  const noteRefused = await pages.add('kiosk-note-422', tablet.post(`/kiosk/items/${working.id}/notes`, { note: 'n'.repeat(2001) }), 422, { fragment: true });
  await pages.add('kiosk-find-unknown', tablet.get('/kiosk/find?code=999999'), 200, { fragment: true });
  const orderNumber = (await db.selectFrom('orders').select('number').where('id', '=', working.order_id).executeTakeFirstOrThrow()).number;
  await pages.add('kiosk-find-order', tablet.get(`/kiosk/find?code=${orderNumber}`), 200, { fragment: true });

  // Messages beside their fields, named by the field (the checker cannot tell).
  t.match(holdRefused.body, /aria-invalid="true" aria-describedby="on_hold-reason-error">\s*<small id="on_hold-reason-error" class="field-error">Say why/, 'hold: the reason’s message');
  t.match(digestRefused.body, /aria-describedby="field-digest-error">[\s\S]*<small id="field-digest-error" class="field-error">Choose never, hourly or daily\./, 'notifications: the digest’s message');
  t.match(noteRefused.body, /aria-describedby="note-error">n+<\/textarea>\s*<p id="note-error" class="field-error">Keep the note under 2000/, 'kiosk: the note’s message, with the note kept');

  // One JVM for every page.
  const dir = mkdtempSync(join(tmpdir(), 'traveler-html-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = new Map<string, Page>();
  pages.pages.forEach((page, index) => {
    const file = join(dir, `${String(index).padStart(2, '0')}-${page.name}.html`);
    writeFileSync(file, page.html);
    files.set(file, page);
  });
  const pageOf = (message: VnuMessage) => files.get(message.url ? fileURLToPath(message.url) : '');
  const run = spawnSync(java, ['-Xss8m', '-jar', vnuJar, '--format', 'json', '--errors-only', '--exit-zero-always', '--stdout', ...files.keys()], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  t.equal(run.status, 0, `the checker ran (${run.stderr.trim().slice(0, 500)})`);
  const { messages } = JSON.parse(run.stdout) as { messages: VnuMessage[] };
  const errors = messages.filter((m) => m.type === 'error' || m.subType === 'fatal' || m.type === 'non-document-error');
  const real = errors.filter((m) => !htmxAttribute.test(m.message));
  // Every page with htmx attributes has them reported: the checker really read each file.
  const withHtmx = new Set(errors.filter((m) => htmxAttribute.test(m.message)).map((m) => pageOf(m)?.name));
  const unread = [...files.values()].filter((page) => / hx-[a-z]/.test(page.html) && !withHtmx.has(page.name)).map((page) => page.name);
  t.same(unread, [], 'the checker reported on every page');
  const describe = (m: VnuMessage) => `${pageOf(m)?.name ?? m.url} line ${m.lastLine}: ${m.message}${m.extract ? `\n      ${m.extract.replace(/\n/g, ' ').trim()}` : ''}`;
  const report = real.map(describe);
  t.same(report, [], `${pages.pages.length} pages: no HTML errors`);
  if (report.length) console.error(`HTML checker findings (${report.length}):\n  ${report.join('\n  ')}`);
});
