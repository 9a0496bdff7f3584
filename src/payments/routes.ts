import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../platform/errors.js';
import { IdParams, NoQuery, RequestKey } from '../platform/schemas.js';
import { orderPage } from '../orders/order-page.js';
import { paymentForm, recordPayment } from './payments.js';

const PaymentForm = paymentForm.schema({ requestKey: RequestKey });

export async function paymentRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post('/orders/:id/payments', { config: { access: 'payments:record' }, schema: { params: IdParams, querystring: NoQuery, body: PaymentForm } }, async (request, reply) => {
    const orderId = Number(request.params.id);
    const values = paymentForm.read(request.body);
    try {
      const recorded = await recordPayment(app.db, { userId: request.user!.id }, orderId, values, request.body.requestKey || undefined);
      request.session.flash = recorded.repeated ? 'That payment was already recorded (the form was sent twice); it is recorded once.' : 'Payment recorded.';
      return reply.seeOther(`/orders/${orderId}#payments`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return orderPage(app, request, reply, orderId, { payment: { values, errors: error.fieldErrors, requestKey: request.body.requestKey } }, 422);
    }
  });
}
