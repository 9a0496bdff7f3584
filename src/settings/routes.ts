import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ConflictError, ValidationError } from '../platform/errors.js';
import { formChecked, formText } from '../platform/forms.js';
import { Form, NoQuery, Text, Version } from '../platform/schemas.js';
import { getShopSettings, updateShopSettings } from './settings.js';

const SettingsForm = Form({ shopName: Text(2000), replyToEmail: Text(2000), customerEmailsEnabled: Text(10), customerEmailDelaySeconds: Text(30), version: Version });

export async function settingsRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const manage = { access: 'settings:manage' } as const;

  app.get('/admin/settings', { config: manage, schema: { querystring: NoQuery } }, async (_request, reply) => {
    const settings = await getShopSettings(app.db);
    return reply.page('admin/settings', { title: 'Shop settings', values: settings, errors: {}, current: undefined });
  });

  app.post('/admin/settings', { config: manage, schema: { querystring: NoQuery, body: SettingsForm } }, async (request, reply) => {
    const delay = formText(request.body, 'customerEmailDelaySeconds');
    const values = {
      shopName: formText(request.body, 'shopName'),
      replyToEmail: formText(request.body, 'replyToEmail'),
      customerEmailsEnabled: formChecked(request.body, 'customerEmailsEnabled'),
      customerEmailDelaySeconds: /^\d{1,6}$/.test(delay) ? Number(delay) : Number.NaN,
      version: Number(formText(request.body, 'version')),
    };
    try {
      await updateShopSettings(app.db, { userId: request.user!.id }, values);
      await app.refreshShopName();
      request.session.flash = 'Settings saved.';
      return reply.seeOther('/admin/settings');
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
