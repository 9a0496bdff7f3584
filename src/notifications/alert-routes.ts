import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../platform/errors.js';
import { formChecked, formList, formText } from '../platform/forms.js';
import { listAlerts, markAlertsRead, notificationPreferences, saveNotificationPreferences, type Digest } from './alerts.js';

export async function alertRoutes(app: FastifyInstance) {
  const signedIn = { config: { access: 'signed-in' } } as const;

  app.get('/alerts', signedIn, async (request, reply) => {
    return reply.page('notifications/alerts', { title: 'Alerts', alerts: await listAlerts(app.db, request.user!.id) });
  });

  app.post('/alerts/read', signedIn, async (request, reply) => {
    await markAlertsRead(app.db, request.user!.id);
    return reply.redirect('/alerts', 303);
  });

  app.get('/account/notifications', signedIn, async (request, reply) => {
    return reply.page('notifications/preferences', { title: 'Notifications', ...(await notificationPreferences(app.db, request.user!)), errors: {} });
  });

  app.post('/account/notifications', signedIn, async (request, reply) => {
    try {
      await saveNotificationPreferences(app.db, request.user!, {
        alertEmails: formChecked(request.body, 'alertEmails'),
        digest: formText(request.body, 'digest') as Digest,
        ownedQueues: formList(request.body, 'queues'),
      });
      request.session.flash = 'Notification settings saved.';
      return reply.redirect('/account/notifications', 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.page('notifications/preferences', { title: 'Notifications', ...(await notificationPreferences(app.db, request.user!)), errors: error.fieldErrors }, 422);
    }
  });
}
