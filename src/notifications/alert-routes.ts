import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../platform/errors.js';
import { formChecked, formList, formText } from '../platform/forms.js';
import { EmptyForm, Form, NoQuery, Repeated, Text } from '../platform/schemas.js';
import { listAlerts, markAlertsRead, notificationPreferences, saveNotificationPreferences, type Digest } from './alerts.js';

const PreferencesForm = Form({ alertEmails: Text(10), digest: Text(20), queues: Repeated(Text(100), 100) });

export async function alertRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const signedIn = { access: 'signed-in' } as const;

  app.get('/alerts', { config: signedIn, schema: { querystring: NoQuery } }, async (request, reply) => {
    return reply.page('notifications/alerts', { title: 'Alerts', alerts: await listAlerts(app.db, request.user!.id) });
  });

  app.post('/alerts/read', { config: signedIn, schema: { querystring: NoQuery, body: EmptyForm } }, async (request, reply) => {
    await markAlertsRead(app.db, request.user!.id);
    return reply.seeOther('/alerts');
  });

  app.get('/account/notifications', { config: signedIn, schema: { querystring: NoQuery } }, async (request, reply) => {
    return reply.page('notifications/preferences', { title: 'Notifications', ...(await notificationPreferences(app.db, request.user!)), errors: {} });
  });

  app.post('/account/notifications', { config: signedIn, schema: { querystring: NoQuery, body: PreferencesForm } }, async (request, reply) => {
    try {
      await saveNotificationPreferences(app.db, request.user!, {
        alertEmails: formChecked(request.body, 'alertEmails'),
        digest: formText(request.body, 'digest') as Digest,
        ownedQueues: formList(request.body, 'queues'),
      });
      request.session.flash = 'Notification settings saved.';
      return reply.seeOther('/account/notifications');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.page('notifications/preferences', { title: 'Notifications', ...(await notificationPreferences(app.db, request.user!)), errors: error.fieldErrors }, 422);
    }
  });
}
