import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { NoQuery, TokenParams } from '../platform/schemas.js';
import { renderHtml } from '../platform/views.js';
import { orderStatusForToken } from './status-page.js';

/** Pages for customers, who never sign in: their own layout, and a token instead of a session. */
export async function customerPageRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/status/:token', { config: { access: 'public', allowBeforeSetup: false }, schema: { params: TokenParams, querystring: NoQuery } }, async (request, reply) => {
    const { token } = request.params;
    const status = await orderStatusForToken(app.db, token);
    reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex');
    if (!status) {
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(renderHtml('public/link-expired', { title: 'Link expired', shopName: app.shopName() }));
    }
    return reply.type('text/html; charset=utf-8').send(renderHtml('public/order-status', { title: `Order ${status.orderNumber}`, shopName: app.shopName(), ...status }));
  });
}
