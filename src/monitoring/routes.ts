import type { FastifyInstance } from 'fastify';
import { lineItemWorkflow } from '../line-items/subject.js';
import { can } from '../platform/permissions.js';
import { NoQuery } from '../platform/schemas.js';
import { currentSnapshot } from './dashboard.js';

export async function monitoringRoutes(app: FastifyInstance) {
  app.get('/monitoring', { config: { access: 'orders:view' }, schema: { querystring: NoQuery } }, async (request, reply) => {
    const [workflow, clock] = await Promise.all([app.workflows.get(lineItemWorkflow), app.shopClock.get()]);
    const snapshot = await currentSnapshot(app.db, workflow, clock);
    const roles = request.user!.roles;
    return reply.page('monitoring/dashboard', {
      title: 'Monitoring',
      snapshot,
      takenAt: new Date(snapshot.takenAt),
      canViewQueues: can(roles, 'queues:view'),
      canManageBatches: can(roles, 'batches:manage'),
    });
  });
}
