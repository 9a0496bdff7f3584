import type { FastifyInstance } from 'fastify';
import { lineItemWorkflow } from '../line-items/subject.js';
import { can } from '../platform/permissions.js';
import { NoQuery } from '../platform/schemas.js';
import { renderView } from '../platform/views.js';
import { currentSnapshot, type ShopSnapshot } from './dashboard.js';

/** The stored snapshot is read at most this often per instance (its job rewrites it every 30 s). */
const snapshotReadMs = 5_000;

export async function monitoringRoutes(app: FastifyInstance) {
  // The dashboard's content is the same for everyone who may see the same parts of it: it is
  // rendered once per snapshot and way of showing it, and each page adds its layout.
  let kept: { readAt: number; snapshot: ShopSnapshot; bodies: Map<string, string> } | undefined;
  // One read at a time: the requests that find the snapshot due all wait for the same read.
  let reading: Promise<void> | undefined;

  async function dashboardBody(roles: readonly string[]): Promise<string> {
    if (!kept || Date.now() - kept.readAt > snapshotReadMs) {
      reading ??= (async () => {
        const [workflow, clock] = await Promise.all([app.workflows.get(lineItemWorkflow), app.shopClock.get()]);
        const snapshot = await currentSnapshot(app.db, workflow, clock);
        kept = { readAt: Date.now(), snapshot, bodies: kept?.snapshot.takenAt === snapshot.takenAt ? kept.bodies : new Map() };
      })().finally(() => (reading = undefined));
      // The counts shown meanwhile are the ones already here: nobody waits for a recount but the first.
      if (kept) reading.catch((error: unknown) => app.log.error({ err: error }, 'the dashboard snapshot could not be read'));
      else await reading;
    }
    if (!kept) throw new Error('The dashboard snapshot could not be read.');
    const canViewQueues = can(roles, 'queues:view');
    const canManageBatches = can(roles, 'batches:manage');
    const way = `${canViewQueues}|${canManageBatches}`;
    let body = kept.bodies.get(way);
    if (body === undefined) {
      body = renderView('monitoring/dashboard-body', { snapshot: kept.snapshot, takenAt: new Date(kept.snapshot.takenAt), canViewQueues, canManageBatches });
      kept.bodies.set(way, body);
    }
    return body;
  }

  app.get('/monitoring', { config: { access: 'orders:view' }, schema: { querystring: NoQuery } }, async (request, reply) => {
    return reply.page('monitoring/dashboard', { title: 'Monitoring', bodyHtml: await dashboardBody(request.user!.roles) });
  });
}
