import type { FastifyInstance } from 'fastify';
import { HttpError } from '../platform/errors.js';
import { findMail, isOutboxStatus, listMail, outboxStatuses, retryMail } from './mailbox.js';

function parseId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new HttpError(404);
  return id;
}

export async function mailboxRoutes(app: FastifyInstance) {
  const routeConfig = { config: { access: 'mailbox:read' } } as const;

  app.get('/admin/mailbox', routeConfig, async (request, reply) => {
    const query = request.query as { status?: string; before?: string };
    const status = query.status && isOutboxStatus(query.status) ? query.status : undefined;
    const before = query.before && /^\d+$/.test(query.before) ? Number(query.before) : undefined;
    const page = await listMail(app.db, { status, beforeId: before });
    return reply.page('admin/mailbox', {
      title: 'Mailbox',
      ...page,
      status,
      statuses: outboxStatuses,
      smtpConfigured: Boolean(app.config.smtpUrl),
    });
  });

  app.get('/admin/mailbox/:id', routeConfig, async (request, reply) => {
    const message = await findMail(app.db, parseId((request.params as { id: string }).id));
    if (!message) throw new HttpError(404);
    return reply.page('admin/mail-message', { title: message.subject ?? `Message ${message.id}`, message });
  });

  // The email's own HTML, shown inside a sandboxed frame with a policy that runs nothing.
  app.get('/admin/mailbox/:id/html', routeConfig, async (request, reply) => {
    const message = await findMail(app.db, parseId((request.params as { id: string }).id));
    if (!message?.html_body) throw new HttpError(404, 'This message has not been rendered yet.');
    return reply
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox")
      .header('x-frame-options', 'SAMEORIGIN')
      .type('text/html; charset=utf-8')
      .send(message.html_body);
  });

  app.post('/admin/mailbox/:id/retry', routeConfig, async (request, reply) => {
    const id = parseId((request.params as { id: string }).id);
    await retryMail(app.db, { userId: request.user!.id }, id);
    app.mail.nudge();
    request.session.flash = 'The message is queued to be sent again.';
    return reply.redirect(`/admin/mailbox/${id}`, 303);
  });
}
