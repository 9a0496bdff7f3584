import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../platform/errors.js';
import { EmptyForm, IdParams, NoQuery } from '../platform/schemas.js';
import { orderPage } from '../orders/order-page.js';
import { issueInvoice } from './invoices.js';

export async function invoiceRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post('/orders/:id/invoice', { config: { access: 'invoices:issue' }, schema: { params: IdParams, querystring: NoQuery, body: EmptyForm } }, async (request, reply) => {
    const orderId = Number(request.params.id);
    try {
      const { invoice, created } = await issueInvoice(app.db, { userId: request.user!.id }, orderId);
      request.session.flash = created ? `Invoice ${invoice.number} issued.` : `Invoice ${invoice.number} was already issued for this order.`;
      return reply.seeOther(`/orders/${orderId}#invoice`);
    } catch (error) {
      if (error instanceof HttpError && error.statusCode === 422) return orderPage(app, request, reply, orderId, { invoiceProblem: error.message }, 422);
      throw error;
    }
  });
}
