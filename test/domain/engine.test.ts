import { sql } from 'kysely';
import t from 'tap';
import type { Db } from '../../src/db/database.js';
import { HttpError, ValidationError } from '../../src/platform/errors.js';
import { loadWorkflow } from '../../src/workflow/definition.js';
import { SubjectConflictError, transition } from '../../src/workflow/engine.js';
import { foldQueueChanges, queueChangeSeq, queueCounts } from '../../src/workflow/queue-changes.js';
import { registerEffect, registerSubjectType, type SubjectRow, type TransitionEvent } from '../../src/workflow/subjects.js';
import { freshDatabase } from '../helpers/database.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

/**
 * A second, test-only subject type with a workflow of its own whose statuses are named like
 * production's: the same engine moves it, and neither workflow sees the other's rows.
 */
interface WidgetRow extends SubjectRow {
  name: string;
}

const effectRuns: { name: string; to: string; reason: string | null; inTransaction: boolean }[] = [];

registerSubjectType<WidgetRow>({
  type: 'test_widget',
  table: 'test_widgets',
  noun: 'widget',
  async lockAndLoad(tx, id) {
    const { rows } = await sql<WidgetRow>`
      select id, workflow, status, version, held_from_status as "heldFrom", name from test_widgets where id = ${id} for update`.execute(tx);
    return rows[0];
  },
  label: (row) => `Widget ${row.name}`,
  requirements: [{ key: 'reason', label: 'A reason' }],
  customerEmails: [],
});
registerEffect({
  subjectType: 'test_widget',
  name: 'remember',
  async run(tx, event: TransitionEvent) {
    effectRuns.push({ name: event.label, to: event.to.key, reason: event.reason, inTransaction: tx.isTransaction });
    return {};
  },
});

async function createWidgets(db: Db) {
  await sql`
    create table test_widgets (
      id integer generated always as identity primary key,
      workflow text not null default 'widgets' references workflows (key) check (workflow = 'widgets'),
      status text not null,
      status_entered_at timestamptz not null default now(),
      held_from_status text,
      hold_reason text,
      version integer not null default 1,
      updated_at timestamptz not null default now(),
      name text not null,
      foreign key (workflow, status) references workflow_statuses (workflow, key)
    )`.execute(db);
  await db.insertInto('workflows').values({ key: 'widgets', label: 'Widgets', subject_type: 'test_widget' }).execute();
  await db
    .insertInto('queues')
    .values([
      { workflow: 'widgets', key: 'pending', label: 'Widgets waiting', position: 1, owner_roles: ['production'] },
      { workflow: 'widgets', key: 'wip', label: 'Widgets in work', position: 2, owner_roles: ['production'] },
    ])
    .execute();
  const status = (key: string, label: string, queue: string | null, kind: 'open' | 'hold' | 'completed', position: number) => ({
    workflow: 'widgets', key, label, customer_label: label, queue_key: queue, kind, position, expected_minutes: null, customer_email: null, fulfillment_method: null, initial: key === 'pending',
  });
  await db
    .insertInto('workflow_statuses')
    .values([status('pending', 'Waiting', 'pending', 'open', 1), status('in_progress', 'Being made', 'wip', 'open', 2), status('on_hold', 'Parked', null, 'hold', 3), status('complete', 'Made', null, 'completed', 4)])
    .execute();
  const move = (from: string, to: string, label: string, intent: 'start' | 'complete' | 'hold' | 'resume', requires: ('reason' | 'previous_status')[] = []) => ({
    workflow: 'widgets', from_status: from, to_status: to, label, intent, roles: ['production'], requires,
  });
  await db
    .insertInto('workflow_transitions')
    .values([
      move('pending', 'in_progress', 'Begin', 'start'),
      move('in_progress', 'complete', 'Finish', 'complete'),
      move('pending', 'on_hold', 'Park', 'hold', ['reason']),
      move('in_progress', 'on_hold', 'Park', 'hold', ['reason']),
      move('on_hold', 'pending', 'Unpark', 'resume', ['previous_status']),
      move('on_hold', 'in_progress', 'Unpark', 'resume', ['previous_status']),
    ])
    .execute();
  const { rows } = await sql<{ id: number }>`insert into test_widgets (status, name) values ('pending', 'A'), ('pending', 'B') returning id`.execute(db);
  await sql`insert into queue_changes (workflow, queue_key, delta) values ('widgets', 'pending', 2)`.execute(db);
  return rows.map((row) => row.id) as [number, number];
}

const widget = async (db: Db, id: number) => (await sql<{ status: string; version: number; held_from_status: string | null; hold_reason: string | null }>`select status, version, held_from_status, hold_reason from test_widgets where id = ${id}`.execute(db)).rows[0]!;

t.test('a second subject type moves through the same engine, statuses named like production’s', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Real sign' }]);
  const [a, b] = await createWidgets(db);
  const worker = { userId: shop.production.id, roles: ['production'] };
  effectRuns.length = 0;

  const begun = await transition(db, { type: 'test_widget', id: a }, worker, { expectedVersion: 1, to: 'in_progress' });
  t.same([begun.label, begun.from.label, begun.to.label, begun.version], ['Widget A', 'Waiting', 'Being made', 2], 'moved by the widgets workflow, not production’s');
  t.same(effectRuns, [{ name: 'Widget A', to: 'in_progress', reason: null, inTransaction: true }], 'the effect registered for widgets ran, inside the transaction');
  t.equal((await db.selectFrom('line_items').select('status').where('id', '=', order.items[0]!.id).executeTakeFirstOrThrow()).status, 'pending', 'the production item named “pending” is untouched');

  const event = await db.selectFrom('events').selectAll().where('subject_type', '=', 'test_widget').where('subject_id', '=', a).executeTakeFirstOrThrow();
  t.match(event, { action: 'status-changed', from_status: 'pending', to_status: 'in_progress', actor_user_id: shop.production.id });
  t.match(event.particulars, { label: 'Widget A', transition: 'Begin', intent: 'start' });

  t.same(await queueCounts(db, 'widgets'), { pending: 1, wip: 1 }, 'the widgets’ queues count widgets');
  t.same(await queueCounts(db, 'production'), { pending: 1, wip: 0, awaiting_pickup: 0, awaiting_installation: 0, awaiting_delivery: 0, awaiting_shipping: 0, on_hold: 0 }, 'production’s queues of the same names count items only');
  const before = await queueChangeSeq(db, 'widgets', 'wip');
  await foldQueueChanges(db);
  t.equal(await queueChangeSeq(db, 'widgets', 'wip'), before, 'folding keeps the widgets’ change numbers');

  // Intents: "hold" needs a reason; "resume" goes back to where it was parked.
  const noReason = await transition(db, { type: 'test_widget', id: b }, worker, { expectedVersion: 1, to: { intent: 'hold' } }).catch((e: unknown) => e);
  t.ok(noReason instanceof ValidationError && noReason.fieldErrors.reason, 'the engine checks the reason the transition requires');
  await transition(db, { type: 'test_widget', id: b }, worker, { expectedVersion: 1, to: { intent: 'hold' }, input: { reason: 'No paint' } });
  t.same(await widget(db, b), { status: 'on_hold', version: 2, held_from_status: 'pending', hold_reason: 'No paint' }, 'the engine keeps the hold bookkeeping');
  const wrongWay = await transition(db, { type: 'test_widget', id: b }, worker, { expectedVersion: 2, to: 'in_progress' }).catch((e: unknown) => e);
  t.ok(wrongWay instanceof ValidationError && /back to where it was/.test(wrongWay.fieldErrors.to ?? ''), 'a resume goes back where it was parked, nowhere else');
  const resumed = await transition(db, { type: 'test_widget', id: b }, worker, { expectedVersion: 2, to: { intent: 'resume' } });
  t.equal(resumed.to.key, 'pending', 'the resume intent picks the way back');
  t.same(await widget(db, b), { status: 'pending', version: 3, held_from_status: null, hold_reason: null });

  const stale = await transition(db, { type: 'test_widget', id: a }, worker, { expectedVersion: 1, to: 'complete' }).catch((e: unknown) => e);
  t.ok(stale instanceof SubjectConflictError, 'a stale version is a conflict');
  t.match((stale as Error).message, /Widget A was changed by .* and is now “Being made”/, 'naming who changed it and what it is now');
  const notAllowed = await transition(db, { type: 'test_widget', id: a }, { userId: shop.sales.id, roles: ['sales'] }, { expectedVersion: 2, to: 'complete' }).catch((e: unknown) => e);
  t.ok(notAllowed instanceof HttpError && notAllowed.statusCode === 403, 'the transition’s roles are checked');
  const productionOnly = await transition(db, { type: 'test_widget', id: a }, worker, { expectedVersion: 2, to: 'awaiting_pickup' }).catch((e: unknown) => e);
  t.ok(productionOnly instanceof HttpError && /no status “awaiting_pickup”/.test(productionOnly.message), 'a production status is no status of the widgets workflow');
  const missing = await transition(db, { type: 'test_widget', id: 999_999 }, worker, { expectedVersion: 1, to: 'complete' }).catch((e: unknown) => e);
  t.ok(missing instanceof HttpError && missing.statusCode === 404 && /widget/.test(missing.message), 'a missing subject is a 404 in its own words');

  const workflow = await loadWorkflow(db, 'widgets');
  t.same([...workflow.statuses.keys()], ['pending', 'in_progress', 'on_hold', 'complete'], 'the workflow loads on its own');
  t.same((await loadWorkflow(db, 'production')).statuses.get('pending')?.label, 'Pending', 'and production’s “pending” is still its own');
});

t.test('an effect that fails undoes the whole transition', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const [a] = await createWidgets(db);
  registerEffect({
    subjectType: 'test_widget',
    name: 'refuse completion',
    async run(_tx, event) {
      if (event.to.kind === 'completed') throw new Error('the mail server said no');
    },
  });
  const worker = { userId: shop.production.id, roles: ['production'] };
  await transition(db, { type: 'test_widget', id: a }, worker, { expectedVersion: 1, to: 'in_progress' });
  const failed = await transition(db, { type: 'test_widget', id: a }, worker, { expectedVersion: 2, to: 'complete' }).catch((e: unknown) => e);
  t.match(failed, { message: 'the mail server said no' });
  t.same(await widget(db, a), { status: 'in_progress', version: 2, held_from_status: null, hold_reason: null }, 'the widget did not move');
  const events = await db.selectFrom('events').select('to_status').where('subject_type', '=', 'test_widget').where('subject_id', '=', a).execute();
  t.same(events.map((e) => e.to_status), ['in_progress'], 'and no event was written for the failed move');
  t.same(await queueCounts(db, 'widgets'), { pending: 1, wip: 1 }, 'nor any count changed');
});
