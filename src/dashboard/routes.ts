import type { FastifyInstance } from 'fastify';
import * as fmt from '../platform/format.js';
import { can } from '../platform/permissions.js';
import { unreachableLinksWarning } from '../platform/public-address.js';
import { NoQuery } from '../platform/schemas.js';
import { dashboardSummary, describeActivity, type ActivityLine } from './summary.js';

export async function dashboardRoutes(app: FastifyInstance) {
  app.get('/', { config: { access: 'dashboard:view' }, schema: { querystring: NoQuery } }, async (request, reply) => {
    const user = request.user!;
    const roles = user.roles;
    return reply.page('dashboard/index', {
      title: 'Dashboard',
      summary: await dashboardSummary(app.db, user, fmt.today()),
      describeActivity: (line: ActivityLine) => describeActivity(line, roles),
      canOpenItems: can(roles, 'orders:view'),
      canViewQueues: can(roles, 'queues:view'),
      roles,
      linksWarning: can(roles, 'settings:manage') ? unreachableLinksWarning(app.config.baseUrl, request.hostname) : undefined,
    });
  });
}
