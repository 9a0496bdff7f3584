import type { FastifyInstance } from 'fastify';
import { ConflictError, ValidationError } from '../platform/errors.js';
import { formChecked, formText } from '../platform/forms.js';
import { getShopSettings, updateShopSettings } from './settings.js';

export async function settingsRoutes(app: FastifyInstance) {
  const routeConfig = { config: { access: 'settings:manage' } } as const;

  app.get('/admin/settings', routeConfig, async (_request, reply) => {
    const settings = await getShopSettings(app.db);
    return reply.page('admin/settings', { title: 'Shop settings', values: settings, errors: {}, current: undefined });
  });

  app.post('/admin/settings', routeConfig, async (request, reply) => {
    const delay = formText(request.body, 'customerEmailDelaySeconds');
    const values = {
      shopName: formText(request.body, 'shopName'),
      replyToEmail: formText(request.body, 'replyToEmail'),
      customerEmailsEnabled: formChecked(request.body, 'customerEmailsEnabled'),
      customerEmailDelaySeconds: /^\d+$/.test(delay) ? Number(delay) : Number.NaN,
      version: Number(formText(request.body, 'version')),
    };
    try {
      await updateShopSettings(app.db, { userId: request.user!.id }, values);
      await app.refreshShopName();
      request.session.flash = 'Settings saved.';
      return reply.redirect('/admin/settings', 303);
    } catch (error) {
      if (error instanceof ConflictError) {
        const current = await getShopSettings(app.db);
        return reply.page('admin/settings', { title: 'Shop settings', values: { ...values, version: current.version }, errors: { form: error.message }, current }, 409);
      }
      if (!(error instanceof ValidationError)) throw error;
      return reply.page('admin/settings', { title: 'Shop settings', values, errors: error.fieldErrors, current: undefined }, 422);
    }
  });
}
