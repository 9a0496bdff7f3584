import type { FastifyInstance } from 'fastify';
import * as fmt from '../platform/format.js';
import { NoQuery } from '../platform/schemas.js';
import { dashboardSummary, describeActivity } from './summary.js';

export async function dashboardRoutes(app: FastifyInstance) {
  app.get('/', { config: { access: 'dashboard:view' }, schema: { querystring: NoQuery } }, async (request, reply) => {
    return reply.page('dashboard/index', { title: 'Dashboard', summary: await dashboardSummary(app.db, request.user!, fmt.today()), describeActivity });
  });
}
