import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { NoQuery, TokenParams } from '../platform/schemas.js';
import { renderHtml } from '../platform/views.js';
import { tokenProblem } from '../platform/tokens.js';
import { orderStatusPurpose } from './customer-updates.js';
import { orderStatusForToken } from './status-page.js';

/** Pages for customers, who never sign in: their own layout, and a token instead of a session. */
export async function customerPageRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/status/:token', { config: { access: 'public', allowBeforeSetup: false }, schema: { params: TokenParams, querystring: NoQuery } }, async (request, reply) => {
    const { token } = request.params;
    const status = await orderStatusForToken(app.db, token);
    reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex');
    if (!status) {
      const problem = (await tokenProblem(app.db, token, orderStatusPurpose)) ?? 'unknown';
      return reply
        .code(problem === 'unknown' ? 404 : 410)
        .type('text/html; charset=utf-8')
        .send(renderHtml('public/link-expired', { title: problem === 'expired' ? 'Link expired' : 'Link not valid', problem, shopName: app.shopName() }));
    }
    return reply.type('text/html; charset=utf-8').send(renderHtml('public/order-status', { title: `Order ${status.orderNumber}`, shopName: app.shopName(), token, ...status }));
  });
}
