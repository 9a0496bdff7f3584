import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../platform/errors.js';
import { BigIdParams, EmptyForm, isCanonicalBigId, NoQuery, Query, Text } from '../platform/schemas.js';
import { findMail, isOutboxStatus, listMail, outboxStatuses, retryMail } from './mailbox.js';

export async function mailboxRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const readMail = { access: 'mailbox:read' } as const;

  app.get('/admin/mailbox', { config: readMail, schema: { querystring: Query({ status: Text(20), before: Text(30) }) } }, async (request, reply) => {
    const query = request.query;
    const status = query.status && isOutboxStatus(query.status) ? query.status : undefined;
    const before = query.before && isCanonicalBigId(query.before) ? Number(query.before) : undefined;
    const page = await listMail(app.db, { status, beforeId: before });
    return reply.page('admin/mailbox', {
      title: 'Mailbox',
      ...page,
      status,
      statuses: outboxStatuses,
      smtpConfigured: Boolean(app.config.smtpUrl),
    });
  });

  app.get('/admin/mailbox/:id', { config: readMail, schema: { params: BigIdParams, querystring: NoQuery } }, async (request, reply) => {
    const message = await findMail(app.db, Number(request.params.id));
    if (!message) throw new HttpError(404);
    return reply.page('admin/mail-message', { title: message.subject ?? `Message ${message.id}`, message });
  });

  // The email's own HTML, shown inside a sandboxed frame with a policy that runs nothing.
  app.get('/admin/mailbox/:id/html', { config: readMail, schema: { params: BigIdParams, querystring: NoQuery } }, async (request, reply) => {
    const message = await findMail(app.db, Number(request.params.id));
    if (!message?.html_body) throw new HttpError(404, 'This message has not been rendered yet.');
    return reply
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox")
      .header('x-frame-options', 'SAMEORIGIN')
      .type('text/html; charset=utf-8')
      .send(message.html_body);
  });

  app.post('/admin/mailbox/:id/retry', { config: readMail, schema: { params: BigIdParams, querystring: NoQuery, body: EmptyForm } }, async (request, reply) => {
    const id = Number(request.params.id);
    await retryMail(app.db, { userId: request.user!.id }, id);
    app.mail.nudge();
    request.session.flash = 'The message is queued to be sent again.';
    return reply.seeOther(`/admin/mailbox/${id}`);
  });
}
