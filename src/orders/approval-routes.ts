import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, ValidationError } from '../platform/errors.js';
import { Form, IdParams, MoveTarget, NoQuery, Text, Version } from '../platform/schemas.js';
import { moveTarget } from '../workflow/definition.js';
import { moveOrder, reviewKindLabels, reviewOrder, submitOrder } from './approval.js';
import { orderPage, type OrderPageState } from './order-page.js';

const SubmitForm = Form({ version: Version });
const ReviewForm = Form({ version: Version, kind: Text(20), decision: Text(20), reasonCode: Text(40), comment: Text(2100) });
const MoveForm = Form({ version: Version, to: MoveTarget, reason: Text(1100) });


/** An order's way through its workflow: submitting it, reviewing it, planning, archiving, cancelling. */
export async function orderApprovalRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;
  const actorOf = (request: FastifyRequest) => ({ userId: request.user!.id, roles: request.user!.roles });

  /** A refusal shows the order as it is now, with what the person entered kept; anything else is an error page. */
  function refused(request: FastifyRequest, reply: FastifyReply, orderId: number, error: unknown, state: OrderPageState) {
    if (error instanceof ValidationError) {
      const errors = error.fieldErrors;
      return orderPage(app, request, reply, orderId, { ...state, ...(state.review ? { review: { ...state.review, errors } } : {}), ...(state.move ? { move: { ...state.move, errors } } : {}), problem: errors.form }, 422);
    }
    if (error instanceof HttpError && error.statusCode < 500 && error.statusCode !== 404) {
      return orderPage(app, request, reply, orderId, { ...state, problem: error.message }, error.statusCode);
    }
    throw error;
  }

  app.post('/orders/:id/submit', { config: { access: 'orders:manage' }, schema: { params: IdParams, querystring: NoQuery, body: SubmitForm } }, async (request, reply) => {
    const orderId = Number(request.params.id);
    try {
      const outcome = await submitOrder(db, actorOf(request), orderId, Number(request.body.version));
      request.session.flash = `${outcome.label} is submitted: ${outcome.to.label}.`;
      return reply.seeOther(`/orders/${orderId}`);
    } catch (error) {
      return refused(request, reply, orderId, error, {});
    }
  });

  app.post('/orders/:id/reviews', { config: { access: 'orders:review' }, schema: { params: IdParams, querystring: NoQuery, body: ReviewForm } }, async (request, reply) => {
    const orderId = Number(request.params.id);
    const { kind = '', decision = '', reasonCode = '', comment = '' } = request.body;
    const review = { kind, decision, reasonCode, comment, errors: {} };
    try {
      if (kind !== 'accounting' && kind !== 'qa') throw new ValidationError({ kind: 'Choose which review you are making.' });
      if (decision !== 'approved' && decision !== 'rejected') throw new ValidationError({ decision: 'Choose to approve it or send it back.' });
      const outcome = await reviewOrder(db, actorOf(request), orderId, Number(request.body.version), { kind, decision, reasonCode, comment });
      request.session.flash = decision === 'approved' ? `${reviewKindLabels[kind]} approved ${outcome.label}: ${outcome.to.label}.` : `${outcome.label} went back to its manager.`;
      return reply.seeOther(`/orders/${orderId}`);
    } catch (error) {
      return refused(request, reply, orderId, error, { review });
    }
  });

  app.post('/orders/:id/transitions', { config: { access: 'orders:view' }, schema: { params: IdParams, querystring: NoQuery, body: MoveForm } }, async (request, reply) => {
    const orderId = Number(request.params.id);
    const { to: chosen = '', reason = '' } = request.body;
    try {
      const to = moveTarget(chosen);
      if (to === undefined || chosen === '') throw new ValidationError({ to: 'Choose one of the moves offered.' });
      const outcome = await moveOrder(db, actorOf(request), orderId, Number(request.body.version), to, reason);
      request.session.flash = `${outcome.label} → ${outcome.to.label}`;
      return reply.seeOther(`/orders/${orderId}`);
    } catch (error) {
      return refused(request, reply, orderId, error, { move: { to: chosen, reason, errors: {} } });
    }
  });
}
