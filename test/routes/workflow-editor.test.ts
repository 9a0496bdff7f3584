import t, { type Test } from 'tap';
import type { Db } from '../../src/db/database.js';
import { ValidationError } from '../../src/platform/errors.js';
import type { Role } from '../../src/platform/permissions.js';
import { loadWorkflow } from '../../src/workflow/definition.js';
import {
  addQueue,
  addStatus,
  addTransition,
  changeStatus,
  deleteQueue,
  deleteStatus,
  deleteTransition,
  statusInputOf,
  WorkflowConflictError,
  type NewStatusInput,
  type TransitionInput,
} from '../../src/workflow-editor/editor.js';
import { transition } from '../../src/workflow/engine.js';
import { foldQueueChanges, queueCounts } from '../../src/workflow/queue-changes.js';
import { buildTestApp, Client, createUser, signedInClient } from '../helpers/app.js';
import { freshDatabase } from '../helpers/database.js';
import { placeOrder, seedShop, type Shop } from '../helpers/shop.js';

function newStatus(fields: Partial<NewStatusInput>): NewStatusInput {
  return {
    key: '',
    label: '',
    customerLabel: '',
    queueKey: 'pending',
    kind: 'open',
    expectedAmount: '',
    expectedUnit: 'hours',
    waitsOn: 'shop',
    customerEmail: '',
    customerMessage: '',
    alertRoles: [],
    qualityHold: false,
    initial: false,
    fulfillmentMethod: '',
    after: '',
    onTo: '',
    replaceDirect: false,
    holdAndCancel: false,
    ...fields,
  };
}

const proofApproval = newStatus({
  label: 'Proof approval',
  customerLabel: 'Waiting for your approval of the proof',
  queueKey: '_new',
  expectedAmount: '2',
  expectedUnit: 'days',
  waitsOn: 'customer',
  customerEmail: 'item-update',
  customerMessage: 'Please check the proof we sent and reply to approve it.',
  alertRoles: ['sales'],
  after: 'pending',
  onTo: 'in_progress',
  replaceDirect: true,
  holdAndCancel: true,
});

function move(fields: Partial<TransitionInput>): TransitionInput {
  return { from: '', to: '', label: 'A move', intent: 'advance', roles: ['production'], requires: [], ...fields };
}

async function revisionOf(db: Db): Promise<number> {
  const row = await db.selectFrom('workflows').select('revision').where('key', '=', 'production').executeTakeFirstOrThrow();
  return Number(row.revision);
}

async function workflowEvents(db: Db) {
  return db.selectFrom('events').selectAll().where('subject_type', '=', 'workflow').orderBy('id').execute();
}

/** Runs an edit that must be refused and returns its messages; nothing may have been written. */
async function refused(t: Test, db: Db, edit: () => Promise<unknown>): Promise<Record<string, string>> {
  const revision = await revisionOf(db);
  const events = (await workflowEvents(db)).length;
  const error = await edit().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  t.type(error, ValidationError, 'refused with a message');
  t.equal(await revisionOf(db), revision, 'the revision did not move');
  t.equal((await workflowEvents(db)).length, events, 'no event');
  return error instanceof ValidationError ? error.fieldErrors : {};
}

async function refusedWith(error: Promise<unknown>) {
  return error.then(
    () => undefined,
    (caught: unknown) => caught,
  );
}

const productionActor = (shop: Shop) => ({ userId: shop.production.id, roles: ['production'] });

t.test('Proof approval goes between Pending and Work in progress, and items move through it', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const admin = { userId: shop.admin.id };
  const queuesBefore = (await loadWorkflow(db, 'production')).queues.length;
  const changesBefore = await db.selectFrom('queue_changes').select('id').execute();

  const result = await addStatus(db, admin, 'production', proofApproval, 1);
  t.same(result, { key: 'proof_approval', revision: 2 }, 'the key is made from the name; the revision moves on');

  const workflow = await loadWorkflow(db, 'production');
  const status = workflow.statuses.get('proof_approval')!;
  t.match(status, { label: 'Proof approval', customerLabel: 'Waiting for your approval of the proof', kind: 'open', queueKey: 'proof_approval', expectedMinutes: 2880, waitsOn: 'customer', customerEmail: 'item-update', customerMessage: 'Please check the proof we sent and reply to approve it.', alertRoles: ['sales'], initial: false });
  t.ok(status.position > workflow.statuses.get('pending')!.position && status.position < workflow.statuses.get('in_progress')!.position, 'listed between the two');
  t.match(workflow.queues.find((q) => q.key === 'proof_approval'), { label: 'Proof approval', statuses: ['proof_approval'] }, 'a queue of its own');
  const moves = (from: string, to: string) => workflow.transitions.filter((m) => m.from === from && m.to === to);
  t.equal(moves('pending', 'in_progress').length, 0, 'the direct move is replaced');
  t.match(moves('pending', 'proof_approval'), [{ intent: 'advance', roles: ['production', 'admin'], requires: [] }]);
  t.match(moves('proof_approval', 'in_progress'), [{ label: 'Start work', intent: 'start', roles: ['production', 'admin'] }], 'it goes on the way the replaced move did');
  t.match(moves('proof_approval', 'on_hold'), [{ intent: 'hold', requires: ['reason'] }], 'it can be put on hold');
  t.match(moves('on_hold', 'proof_approval'), [{ intent: 'resume', requires: ['previous_status'] }], 'and resumed back to it');
  t.match(moves('proof_approval', 'cancelled'), [{ intent: 'cancel', requires: ['reason'] }], 'and cancelled');

  const queue = workflow.queues.find((q) => q.key === 'proof_approval')!;
  t.equal(queue.position, workflow.queues.find((q) => q.key === 'pending')!.position + 1, 'its queue comes right after Pending’s in the navigation');
  t.same(queue.ownerRoles, workflow.queues.find((q) => q.key === 'pending')!.ownerRoles, 'owned by the same people as Pending’s');

  const [event] = await workflowEvents(db);
  t.match(event, { action: 'status-added', actor_user_id: shop.admin.id, subject_type: 'workflow' });
  t.match(event!.particulars, { workflow: 'production', key: 'proof_approval', after: { label: 'Proof approval' }, transitionReplaced: { from: 'pending', to: 'in_progress' } });
  const touched = await db.selectFrom('queue_changes').select(['queue_key', 'delta']).where('id', 'not in', changesBefore.length ? changesBefore.map((c) => c.id) : [0]).execute();
  t.equal(new Set(touched.map((c) => c.queue_key)).size, queuesBefore + 1, 'every queue of the workflow refreshes');
  t.ok(touched.every((c) => c.delta === 0), 'without changing counts');

  const order = await placeOrder(db, shop, [{ description: 'Storefront sign' }]);
  const item = order.items[0]!;
  t.equal(item.status, 'pending');
  const shortcut = await refusedWith(transition(db, { type: 'line_item', id: item.id }, productionActor(shop), { expectedVersion: item.version, to: 'in_progress' }));
  t.match(shortcut, { statusCode: 422 }, 'the old shortcut is gone');
  const sent = await transition(db, { type: 'line_item', id: item.id }, productionActor(shop), { expectedVersion: item.version, to: 'proof_approval' });
  t.equal(sent.to.key, 'proof_approval');
  await foldQueueChanges(db);
  t.match(await queueCounts(db, 'production'), { pending: 0, proof_approval: 1 }, 'it shows in its queue');
  t.ok(await db.selectFrom('customer_updates').select('id').where('line_item_id', '=', item.id).where('status', '=', 'proof_approval').executeTakeFirst(), 'the customer is told');
  t.ok(await db.selectFrom('alerts').select('id').where('user_id', '=', shop.sales.id).where('line_item_id', '=', item.id).where('kind', '=', 'status-entered').executeTakeFirst(), 'sales is alerted');
  const started = await transition(db, { type: 'line_item', id: item.id }, productionActor(shop), { expectedVersion: sent.version, to: 'in_progress' });
  t.match(started, { from: { key: 'proof_approval' }, to: { key: 'in_progress' }, transition: { intent: 'start' } });
  const row = await db.selectFrom('line_items').select('status').where('id', '=', item.id).executeTakeFirstOrThrow();
  t.equal(row.status, 'in_progress');
});

t.test('broken graphs are refused with a message that says what to do', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const admin = { userId: shop.admin.id };
  const pending = statusInputOf((await loadWorkflow(db, 'production')).statuses.get('pending')!);

  let errors = await refused(t, db, () => changeStatus(db, admin, 'production', 'pending', { ...pending, initial: false }, 1));
  t.match(errors.form, /No status is marked “New items start here”/, 'at least one initial status');

  errors = await refused(t, db, () => addStatus(db, admin, 'production', newStatus({ label: 'Archived', kind: 'completed', queueKey: '' }), 1));
  t.match(errors.form, /“Archived” cannot be reached from where items start \(“Pending”\): add a move into it\./, 'unreachable status');

  errors = await refused(t, db, () => addStatus(db, admin, 'production', newStatus({ label: 'Proof approval', after: 'pending' }), 1));
  t.match(errors.form, /“Proof approval” is a dead end: nothing moves an item out again\./, 'dead-end open status');

  errors = await refused(t, db, () => addTransition(db, admin, 'production', move({ from: 'pending', to: 'awaiting_pickup', label: 'Back to before', requires: ['previous_status'] }), 1));
  t.match(errors.form, /must start from an on-hold status/, 'back to the previous status only leaves a hold');

  await addStatus(db, admin, 'production', proofApproval, 1);
  const intoProof = (await loadWorkflow(db, 'production')).transitions.find((m) => m.from === 'pending' && m.to === 'proof_approval')!;
  errors = await refused(t, db, () => deleteTransition(db, admin, 'production', intoProof.id, 2));
  t.match(errors.form, /^Not saved: “Proof approval”, “Work in progress”, “BUILT · awaiting customer pickup”, “BUILT · awaiting installation”, “BUILT · awaiting delivery” and 5 more cannot be reached/, 'resuming from a hold reaches nothing new');

  const onlyWayIn = (await loadWorkflow(db, 'production')).transitions.find((m) => m.from === 'awaiting_pickup' && m.to === 'picked_up')!;
  errors = await refused(t, db, () => deleteTransition(db, admin, 'production', onlyWayIn.id, 2));
  t.match(errors.form, /“Picked up” cannot be reached/, 'removing the only move into a status');
});

t.test('statuses holding items and queues listing statuses cannot be deleted', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const admin = { userId: shop.admin.id };
  const order = await placeOrder(db, shop, [{}, {}]);
  const [first, second] = order.items;
  const started = await transition(db, { type: 'line_item', id: first!.id }, productionActor(shop), { expectedVersion: first!.version, to: 'in_progress' });
  await transition(db, { type: 'line_item', id: first!.id }, productionActor(shop), { expectedVersion: started.version, to: 'on_hold', input: { reason: 'Waiting for vinyl' } });
  void second;

  let errors = await refused(t, db, () => deleteStatus(db, admin, 'production', 'pending', 1));
  t.equal(errors.form, '1 item is still “Pending” (or on hold from it); move it first.');
  errors = await refused(t, db, () => deleteStatus(db, admin, 'production', 'in_progress', 1));
  t.match(errors.form, /1 item is still “Work in progress” \(or on hold from it\)/, 'an item on hold from it counts');

  errors = await refused(t, db, () => deleteQueue(db, admin, 'production', 'wip', 1));
  t.equal(errors.form, '“Work in progress” still lists “Work in progress”: give that status another queue first.');

  await addQueue(db, admin, 'production', { key: '', label: 'Spare', position: '20', ownerRoles: [] }, 1);
  await deleteQueue(db, admin, 'production', 'spare', 2);
  t.notOk((await loadWorkflow(db, 'production')).queues.some((q) => q.key === 'spare'), 'an empty queue goes');
  t.same((await workflowEvents(db)).map((e) => e.action), ['queue-added', 'queue-deleted'], 'an event per change');
});

t.test('fields are checked: keys, names, roles, requirements, moves', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const admin = { userId: shop.admin.id };

  let errors = await refused(t, db, () => addStatus(db, admin, 'production', newStatus({ key: 'pending', label: 'Waiting' }), 1));
  t.match(errors.key, /The status “Pending” already has the key “pending”/, 'duplicate key');
  errors = await refused(t, db, () => addStatus(db, admin, 'production', newStatus({ label: 'Pending' }), 1));
  t.match(errors.key, /already has the key “pending”\. Type another key or change the name\./, 'a key made from the name is checked too');
  errors = await refused(t, db, () => addStatus(db, admin, 'production', newStatus({ key: 'Bad Key', label: '', expectedAmount: '-3', kind: 'finished', waitsOn: 'nobody', customerEmail: 'spam', alertRoles: ['wizard'], queueKey: 'nowhere' }), 1));
  t.match(errors, {
    key: /lowercase letters/,
    label: /Give the status a name/,
    expectedAmount: /Enter a number of hours or days/,
    kind: /Choose what kind/,
    waitsOn: /Choose who it waits on/,
    customerEmail: /Choose an email from the list/,
    alertRoles: /Choose roles from the list/,
    queueKey: /Choose a queue from the list/,
  });
  errors = await refused(t, db, () => addQueue(db, admin, 'production', { key: '', label: 'On hold', position: 'first', ownerRoles: ['boss'] }, 1));
  t.match(errors, { key: /already has the key “on_hold”/, position: /whole number/, ownerRoles: /Choose roles from the list/ });

  errors = await refused(t, db, () => addTransition(db, admin, 'production', move({ from: 'pending', to: 'pending', roles: ['wizard'] }), 1));
  t.match(errors, { to: /different status/, roles: /Choose roles from the list/ });
  errors = await refused(t, db, () => addTransition(db, admin, 'production', move({ from: 'pending', to: 'in_progress', roles: [], intent: 'teleport', requires: ['blood_sample'] }), 1));
  t.match(errors, { to: /There is already a move from “Pending” to “Work in progress” \(“Start work”\)/, roles: /at least one role/, intent: /what the move means/, requires: /from the list/ });

  const added = await addTransition(db, admin, 'production', move({ from: 'pending', to: 'awaiting_pickup', label: 'Ready made', intent: 'built', roles: ['production', 'admin'], requires: ['fulfillment_method'] }), 1);
  const stored = await db.selectFrom('workflow_transitions').selectAll().where('id', '=', Number(added.key)).executeTakeFirstOrThrow();
  t.match(stored, { from_status: 'pending', to_status: 'awaiting_pickup', label: 'Ready made', intent: 'built', roles: ['production', 'admin'], requires: ['fulfillment_method'] });
});

t.test('an edit made on a revision someone else moved on is a conflict naming them', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  await addQueue(db, { userId: shop.admin.id }, 'production', { key: '', label: 'Proofs', position: '8', ownerRoles: ['sales'] }, 1);
  const error = await refusedWith(addStatus(db, { userId: shop.admin.id }, 'production', proofApproval, 1));
  t.type(error, WorkflowConflictError);
  t.match((error as Error).message, /^Ada Admin changed the Production workflow while you were editing it, so nothing was saved\./);
  t.equal((error as WorkflowConflictError).statusCode, 409);
  t.equal(await revisionOf(db), 2);
});

t.test('moving a status to another queue moves its items’ counts along', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{}, {}]);
  await transition(db, { type: 'line_item', id: order.items[0]!.id }, productionActor(shop), { expectedVersion: order.items[0]!.version, to: 'in_progress' });
  await foldQueueChanges(db);
  t.match(await queueCounts(db, 'production'), { pending: 1, wip: 1 });
  const inProgress = statusInputOf((await loadWorkflow(db, 'production')).statuses.get('in_progress')!);
  await changeStatus(db, { userId: shop.admin.id }, 'production', 'in_progress', { ...inProgress, queueKey: 'pending', expectedAmount: '1.5', expectedUnit: 'hours' }, 1);
  t.match(await queueCounts(db, 'production'), { pending: 2, wip: 0 });
  t.equal((await loadWorkflow(db, 'production')).statuses.get('in_progress')!.expectedMinutes, 90);
  const [event] = await workflowEvents(db);
  t.match(event, { action: 'status-changed', particulars: { workflow: 'production', key: 'in_progress', before: { queueKey: 'wip' }, after: { queue_key: 'pending' } } });
});

// ---------------------------------------------------------------------------------------------
// Through the pages

function revisionIn(body: string): string {
  return body.match(/name="revision" value="(\d+)"/)![1]!;
}

const editorPages = ['/admin/workflows', '/admin/workflows/production', '/admin/workflows/production/statuses/pending', '/admin/workflows/production/queues/wip'];
const editorPosts = [
  '/admin/workflows/production/statuses',
  '/admin/workflows/production/statuses/pending',
  '/admin/workflows/production/statuses/pending/delete',
  '/admin/workflows/production/transitions',
  '/admin/workflows/production/queues',
  '/admin/workflows/production/queues/wip',
  '/admin/workflows/production/queues/wip/delete',
];

t.test('only admins reach the editor; guessed keys are 404', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client: admin } = await signedInClient(app, db, ['admin']);
  const nonAdminRoles: Role[] = ['sales', 'production', 'fulfillment', 'installer', 'service', 'accounting', 'qa'];
  const { client: staff } = await signedInClient(app, db, nonAdminRoles);
  const transitionId = (await loadWorkflow(db, 'production')).transitions[0]!.id;
  const pages = [...editorPages, `/admin/workflows/production/transitions/${transitionId}`];
  const posts = [...editorPosts, `/admin/workflows/production/transitions/${transitionId}`, `/admin/workflows/production/transitions/${transitionId}/delete`];
  await staff.get('/');
  for (const url of pages) t.equal((await staff.get(url)).statusCode, 403, `GET ${url}: 403 for every other role`);
  for (const url of posts) t.equal((await staff.post(url, { revision: '1', label: 'x' })).statusCode, 403, `POST ${url}: 403`);
  t.equal((await staff.get('/admin/workflows/1')).statusCode, 403, 'a malformed key is refused as forbidden first');
  t.equal(await revisionOf(db), 1, 'nothing changed');

  for (const url of pages) t.equal((await admin.get(url)).statusCode, 200, `GET ${url}: the admin's page`);
  for (const url of [
    '/admin/workflows/guessed',
    '/admin/workflows/production/statuses/guessed',
    '/admin/workflows/production/queues/guessed',
    '/admin/workflows/production/transitions/999999',
    '/admin/workflows/Production',
    '/admin/workflows/production/statuses/..%2Fpending',
  ]) {
    t.equal((await admin.get(url)).statusCode, 404, `GET ${url}: 404`);
  }
  t.equal((await admin.post('/admin/workflows/guessed/statuses', { revision: '1', label: 'x' })).statusCode, 404, 'POST to a guessed workflow: 404');
  t.equal((await admin.post('/admin/workflows/production/queues/guessed/delete', { revision: '1' })).statusCode, 404, 'POST to a guessed queue: 404');
});

t.test('an admin adds Proof approval from the page; this instance sees it at once', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client: admin } = await signedInClient(app, db, ['admin']);
  await app.workflows.get('production');

  const list = await admin.get('/admin/workflows');
  t.match(list.body, /<a href="\/admin\/workflows\/production">Production<\/a>/);
  t.match(list.body, /<td>Items<\/td>\s*<td>13<\/td>\s*<td>7<\/td>/, 'what moves through it and how many statuses and queues');
  t.match(list.body, /<td>Orders<\/td>\s*<td>11<\/td>\s*<td>6<\/td>/, 'orders have a workflow of their own');

  const page = await admin.get('/admin/workflows/production');
  t.match(page.body, /<svg [^>]*role="img"[^>]*aria-labelledby="wf-production-title wf-production-desc"/, 'the diagram is in the page');
  t.match(page.body, /<title id="wf-production-title">Production workflow/);
  t.match(page.body, /id="status-pending"/);
  t.match(page.body, /action="\/admin\/workflows\/production\/statuses#add-status"/);
  const ids = [...page.body.matchAll(/ id="([^"]+)"/g)].map((match) => match[1]);
  t.same(ids.filter((id, index) => ids.indexOf(id) !== index), [], 'its three forms share no field id (each has a “label”)');

  const added = await admin.post('/admin/workflows/production/statuses', {
    label: 'Proof approval',
    key: '',
    customerLabel: 'Waiting for your approval',
    queueKey: '_new',
    kind: 'open',
    expectedAmount: '4',
    expectedUnit: 'hours',
    waitsOn: 'customer',
    customerEmail: 'item-update',
    alertRoles: 'sales',
    fulfillmentMethod: '',
    after: 'pending',
    onTo: 'in_progress',
    replaceDirect: '1',
    holdAndCancel: '1',
    revision: revisionIn(page.body),
  });
  t.equal(added.statusCode, 303);
  t.equal(added.headers.location, '/admin/workflows/production#status-proof_approval');
  const cached = await app.workflows.get('production');
  t.ok(cached.statuses.has('proof_approval'), 'the app’s own copy is fresh without waiting');
  t.equal(cached.revision, 2);

  const after = await admin.get('/admin/workflows/production');
  t.match(after.body, /Added the status “Proof approval”\./);
  t.match(after.body, /data-status="proof_approval"/, 'in the diagram');
  t.match(after.body, /id="queue-proof_approval"/, 'with a queue of its own');
  t.match(after.body, /added the status “Proof approval”/, 'in the recent changes');
  t.equal(revisionIn(after.body), '2');
  const [event] = await workflowEvents(db);
  t.match(event, { action: 'status-added', particulars: { key: 'proof_approval' } });

  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Proofed channel letters' }]);
  await transition(db, { type: 'line_item', id: order.items[0]!.id }, productionActor(shop), { expectedVersion: order.items[0]!.version, to: 'proof_approval' });
  const queue = await admin.get('/queues/proof_approval');
  t.equal(queue.statusCode, 200, 'the new queue has its page');
  t.match(queue.body, /Proofed channel letters/, 'listing the item in it');
});

t.test('a status added and deleted from the pages takes its moves with it', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client: admin } = await signedInClient(app, db, ['admin']);
  const page = await admin.get('/admin/workflows/production');
  const added = await admin.post('/admin/workflows/production/statuses', {
    label: 'Waiting for parts',
    key: 'parts',
    queueKey: 'wip',
    kind: 'open',
    waitsOn: 'vendor',
    after: 'in_progress',
    onTo: 'in_progress',
    revision: revisionIn(page.body),
  });
  t.equal(added.statusCode, 422, 'it cannot go back to where it came from by the same form');
  t.match(added.body, /<small id="field-onTo-error" class="field-error">Choose a different status from the one it comes after\.<\/small>/);

  const again = await admin.post('/admin/workflows/production/statuses', { label: 'Waiting for parts', key: 'parts', queueKey: 'wip', kind: 'open', waitsOn: 'vendor', after: 'in_progress', revision: revisionIn(page.body) });
  t.equal(again.statusCode, 422, 'with no way out it is a dead end');
  t.match(again.body, /“Waiting for parts” is a dead end/);

  const ok = await admin.post('/admin/workflows/production/statuses', { label: 'Waiting for parts', key: 'parts', queueKey: 'wip', kind: 'open', waitsOn: 'vendor', after: 'in_progress', holdAndCancel: '1', revision: revisionIn(page.body) });
  t.equal(ok.statusCode, 303, 'hold and cancel give it a way out');
  const moves = (await loadWorkflow(db, 'production')).transitions.filter((m) => m.from === 'parts' || m.to === 'parts');
  t.equal(moves.length, 4, 'in from Work in progress, to hold and back, to cancelled');
  const transitionAdd = await admin.post('/admin/workflows/production/transitions', { from: 'parts', to: 'in_progress', label: 'Parts arrived', intent: 'advance', roles: ['production', 'admin'], revision: '2' });
  t.equal(transitionAdd.statusCode, 303);
  t.match(transitionAdd.headers.location, /^\/admin\/workflows\/production#transition-\d+$/);

  const edit = await admin.get('/admin/workflows/production/statuses/parts');
  t.match(edit.body, /<h1>Status: Waiting for parts<\/h1>/);
  t.match(edit.body, /<option value="vendor" selected>A vendor<\/option>/);
  const deleted = await admin.post('/admin/workflows/production/statuses/parts/delete', { confirm: '1', revision: revisionIn(edit.body) });
  t.equal(deleted.statusCode, 303);
  t.equal(deleted.headers.location, '/admin/workflows/production#statuses');
  const workflow = await loadWorkflow(db, 'production');
  t.notOk(workflow.statuses.has('parts'));
  t.notOk(workflow.transitions.some((m) => m.from === 'parts' || m.to === 'parts'), 'its moves went with it');
  const events = await workflowEvents(db);
  t.same(events.map((e) => e.action), ['status-added', 'transition-added', 'status-deleted']);
  t.equal((events[2]!.particulars.transitionsRemoved as unknown[]).length, 5, 'the event remembers the moves that went');
});

t.test('hostile input never breaks a page', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client: admin } = await signedInClient(app, db, ['admin']);
  await admin.get('/admin/workflows/production');
  const hostile = ['', '\u0000', 'x'.repeat(5000), '-1', '99999999999', '<script>', '../pending', '_new', 'pending\u0000', '1e3', ' 1'];
  const fields = ['label', 'key', 'customerLabel', 'queueKey', 'kind', 'expectedAmount', 'expectedUnit', 'waitsOn', 'customerEmail', 'alertRoles', 'initial', 'fulfillmentMethod', 'after', 'onTo', 'from', 'to', 'intent', 'roles', 'requires', 'position', 'ownerRoles', 'revision'];
  const urls = ['/admin/workflows/production/statuses', '/admin/workflows/production/statuses/pending', '/admin/workflows/production/transitions', '/admin/workflows/production/queues', '/admin/workflows/production/queues/wip', '/admin/workflows/production/queues/on_hold/delete'];
  let worst = 0;
  for (const url of urls) {
    for (const value of hostile) {
      for (const form of [Object.fromEntries(fields.map((field) => [field, value])), { label: 'Fuzzed', revision: '1', after: value, onTo: value, queueKey: value, from: value, to: value, requires: [value, value] }]) {
        const response = await admin.post(url, form);
        worst = Math.max(worst, response.statusCode);
        if (response.statusCode >= 500) t.fail(`${url} ${JSON.stringify(value).slice(0, 40)}: ${response.statusCode}`);
      }
    }
  }
  t.ok(worst < 500, 'no 5xx');
});

t.test('a refused form comes back with the input kept and the message beside the field', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client: admin } = await signedInClient(app, db, ['admin']);
  const page = await admin.get('/admin/workflows/production');

  const invalid = await admin.post('/admin/workflows/production/transitions', {
    from: 'pending',
    to: 'pending',
    label: 'Loop <b>de</b> loop',
    intent: 'back',
    roles: ['sales', 'wizard'],
    requires: 'reason',
    revision: revisionIn(page.body),
  });
  t.equal(invalid.statusCode, 422);
  t.match(invalid.body, /<small id="field-to-error" class="field-error">Choose a different status from the one it moves from\.<\/small>/);
  t.match(invalid.body, /<small id="field-roles-error" class="field-error">Choose roles from the list\.<\/small>/);
  t.match(invalid.body, /value="Loop &lt;b&gt;de&lt;\/b&gt; loop"/, 'the label is kept, escaped');
  t.match(invalid.body, /<select id="field-intent" name="intent"[^>]*>[\s\S]*?<option value="back" selected>/, 'the intent is kept');
  t.match(invalid.body, /name="roles" value="sales" checked/, 'the roles are kept');
  t.match(invalid.body, /name="requires" value="reason" checked/);
  t.match(invalid.body, /<a href="#add-transition">See what to fix/);

  const graph = await admin.post('/admin/workflows/production/statuses', { label: 'Limbo', kind: 'open', queueKey: 'pending', waitsOn: 'vendor', expectedUnit: 'days', expectedAmount: '3', revision: revisionIn(page.body) });
  t.equal(graph.statusCode, 422);
  t.match(graph.body, /Not saved: “Limbo” cannot be reached from where items start \(“Pending”\)/);
  t.match(graph.body, /id="ns-label" name="label" type="text" value="Limbo"/);
  t.match(graph.body, /<option value="vendor" selected>/);
  t.match(graph.body, /id="field-expectedAmount" name="expectedAmount" inputmode="decimal" value="3"/);

  const holding = await admin.get('/admin/workflows/production/queues/wip');
  const refusal = await admin.post('/admin/workflows/production/queues/wip/delete', { revision: revisionIn(holding.body) });
  t.equal(refusal.statusCode, 422);
  t.match(refusal.body, /still lists “Work in progress”: give that status another queue first/);

  const unconfirmed = await admin.post('/admin/workflows/production/statuses/cancelled/delete', { revision: revisionIn(holding.body) });
  t.equal(unconfirmed.statusCode, 422);
  t.match(unconfirmed.body, /Tick the box to confirm/);
  t.equal(await revisionOf(db), 1, 'nothing was saved');
});

t.test('two admins: the second save is a 409 naming the first, with the input kept', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client: first } = await signedInClient(app, db, ['admin']);
  const bea = await createUser(db, ['admin'], { name: 'Bea Boss' });
  const second = new Client(app);
  await second.signIn(bea.email);

  const firstPage = await first.get('/admin/workflows/production/statuses/pending');
  const secondPage = await second.get('/admin/workflows/production');
  const queue = await second.post('/admin/workflows/production/queues', { label: 'Proofs', key: '', position: '9', ownerRoles: 'sales', revision: revisionIn(secondPage.body) });
  t.equal(queue.statusCode, 303);

  const stale = await first.post('/admin/workflows/production/statuses/pending', {
    label: 'Order received',
    customerLabel: 'We have your order',
    queueKey: 'pending',
    kind: 'open',
    expectedAmount: '1',
    expectedUnit: 'days',
    waitsOn: 'shop',
    customerEmail: '',
    initial: '1',
    revision: revisionIn(firstPage.body),
  });
  t.equal(stale.statusCode, 409);
  t.match(stale.body, /Bea Boss changed the Production workflow while you were editing it, so nothing was saved\./);
  t.match(stale.body, /value="Order received"/, 'the input is kept');
  t.match(stale.body, /value="We have your order"/);
  t.equal(revisionIn(stale.body), '2', 'the form now carries the current revision');
  t.match(stale.body, /Saved by someone else meanwhile[\s\S]*<dt>Name<\/dt><dd>Pending<\/dd>[\s\S]*<dt>Expected time in it<\/dt><dd>2 days<\/dd>/, 'what is saved now is shown beside it, to compare');
  t.match(stale.body, /href="\/admin\/workflows\/production\/statuses\/pending">start again from what is saved/, 'with a way to keep theirs');
  t.equal((await loadWorkflow(db, 'production')).statuses.get('pending')!.label, 'Pending', 'nothing was overwritten');

  const deliberate = await first.post('/admin/workflows/production/statuses/pending', {
    label: 'Order received',
    customerLabel: 'We have your order',
    queueKey: 'pending',
    kind: 'open',
    expectedAmount: '1',
    expectedUnit: 'days',
    waitsOn: 'shop',
    initial: '1',
    revision: revisionIn(stale.body),
  });
  t.equal(deliberate.statusCode, 303, 'saving again is deliberate');
  t.match((await loadWorkflow(db, 'production')).statuses.get('pending'), { label: 'Order received', expectedMinutes: 1440 });
  t.same((await workflowEvents(db)).map((e) => e.action), ['queue-added', 'status-changed']);
});

t.test('moves and queues are edited and removed from their pages', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client: admin } = await signedInClient(app, db, ['admin']);
  const back = (await loadWorkflow(db, 'production')).transitions.find((m) => m.from === 'in_progress' && m.to === 'pending')!;

  const edit = await admin.get(`/admin/workflows/production/transitions/${back.id}`);
  t.match(edit.body, /<h1>Move: Back to pending<\/h1>/);
  const saved = await admin.post(`/admin/workflows/production/transitions/${back.id}`, { from: 'in_progress', to: 'pending', label: 'Not ready yet', intent: 'back', roles: ['production', 'admin'], requires: 'reason', revision: revisionIn(edit.body) });
  t.equal(saved.statusCode, 303);
  t.match((await loadWorkflow(db, 'production')).transitions.find((m) => m.id === back.id), { label: 'Not ready yet', requires: ['reason'] });

  const page = await admin.get('/admin/workflows/production');
  t.match(page.body, new RegExp(`href="/admin/workflows/production/transitions/${back.id}#remove"`), 'the list leads to the move, where removing it is confirmed');
  const unconfirmed = await admin.post(`/admin/workflows/production/transitions/${back.id}/delete`, { revision: revisionIn(page.body) });
  t.equal(unconfirmed.statusCode, 422, 'not without ticking the box');
  t.match(unconfirmed.body, /Tick the box to confirm\./);
  t.ok((await loadWorkflow(db, 'production')).transitions.some((m) => m.id === back.id), 'still there');
  const removed = await admin.post(`/admin/workflows/production/transitions/${back.id}/delete`, { revision: revisionIn(page.body), confirm: '1' });
  t.equal(removed.statusCode, 303);
  t.notOk((await loadWorkflow(db, 'production')).transitions.some((m) => m.id === back.id));

  const queuePage = await admin.get('/admin/workflows/production/queues/on_hold');
  const renamed = await admin.post('/admin/workflows/production/queues/on_hold', { label: 'Held up', position: '0', ownerRoles: ['sales'], revision: revisionIn(queuePage.body) });
  t.equal(renamed.statusCode, 303);
  t.match((await loadWorkflow(db, 'production')).queues[0], { key: 'on_hold', label: 'Held up', position: 0, ownerRoles: ['sales'] }, 'listed first now');

  const stillNeeded = (await loadWorkflow(db, 'production')).transitions.find((m) => m.from === 'awaiting_pickup' && m.to === 'picked_up')!;
  const lastPage = await admin.get('/admin/workflows/production');
  const broken = await admin.post(`/admin/workflows/production/transitions/${stillNeeded.id}/delete`, { revision: revisionIn(lastPage.body), confirm: '1' });
  t.equal(broken.statusCode, 422);
  t.match(broken.body, /The move “Picked up” from “BUILT · awaiting customer pickup” to “Picked up” was not removed\. Not saved: “Picked up” cannot be reached/);
  t.same((await workflowEvents(db)).map((e) => e.action), ['transition-changed', 'transition-deleted', 'queue-changed']);
});

t.test('statuses people could not tell apart, and finished statuses in a queue, are refused', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const admin = { userId: shop.admin.id };
  const sameName = await refused(t, db, () => addStatus(db, admin, 'production', newStatus({ label: 'work IN progress', key: 'wip_again', after: 'pending', onTo: 'in_progress' }), 1));
  t.match(sameName.label, /already a status called “Work in progress”/, 'a name differing only in case');
  const finishedInQueue = await refused(t, db, () => addStatus(db, admin, 'production', newStatus({ label: 'Scrapped', kind: 'completed', queueKey: 'pending', after: 'in_progress' }), 1));
  t.match(finishedInQueue.queueKey, /choose “No queue”/, 'a completed status listed in a queue would stay there for good');
  const scrapped = await addStatus(db, admin, 'production', newStatus({ label: 'Scrapped', kind: 'completed', queueKey: '', after: 'in_progress' }), 1);
  const into = (await loadWorkflow(db, 'production')).transitions.find((m) => m.from === 'in_progress' && m.to === scrapped.key);
  t.equal(into?.intent, 'complete', 'the move into a completed status completes the item');
});
