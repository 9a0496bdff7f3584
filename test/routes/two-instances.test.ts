import t from 'tap';
import { buildApp } from '../../src/app.js';
import { buildTestApp, signedInClient, testConfig } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

/**
 * Two app instances on one database, as behind a load balancer: an admin's edit on one applies
 * on the other at its next check of the workflow's revision (every 2 s by default; here on
 * every request, so the test needs no waiting), and its open queue pages refresh.
 */
t.test('an edit in Admin → Workflows on one instance applies on another', async (t) => {
  const { app: editing, db } = await buildTestApp(t, { workflowCheckMs: 0 });
  const serving = await buildApp({ config: testConfig({ databaseUrl: 'postgres://unused' }), db, workflowCheckMs: 0 });
  t.teardown(() => serving.close());
  await serving.ready();
  const shop = await seedShop(db);
  await placeOrder(db, shop, [{ description: 'Vehicle wrap' }]);

  const { client: office } = await signedInClient(serving, db, ['production']);
  const before = await office.get('/queues/pending');
  t.match(before.body, />Start work</, 'the other instance has read the workflow');
  const polledWith = /\/changes\?seq=([\d.]+)/.exec(before.body)![1]!;

  const { client: admin } = await signedInClient(editing, db, ['admin']);
  const page = await admin.get('/admin/workflows/production/transitions/1');
  const revision = /name="revision" value="(\d+)"/.exec(page.body)![1]!;
  const move = await db.selectFrom('workflow_transitions').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  const saved = await admin.post('/admin/workflows/production/transitions/1', { revision, from: move.from_status, to: move.to_status, label: 'Get going', intent: move.intent, roles: move.roles, requires: move.requires });
  t.equal(saved.statusCode, 303, 'saved on the editing instance');

  const refreshed = await office.get(`/queues/pending/changes?seq=${polledWith}`, { 'hx-request': 'true' });
  t.equal(refreshed.statusCode, 200, 'the open page on the other instance refreshes');
  t.match(refreshed.body, />Get going</, 'showing the move by its new name');
  t.notMatch(refreshed.body, />Start work</);
});
