import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ConflictError, ValidationError } from '../platform/errors.js';
import { formText } from '../platform/forms.js';
import { NoQuery, Version } from '../platform/schemas.js';
import { getShopSettings, settingsForm, settingsValues, updateShopSettings } from './settings.js';

const SettingsForm = settingsForm.schema({ version: Version });

export async function settingsRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const manage = { access: 'settings:manage' } as const;
  const page = { title: 'Shop settings', spec: settingsForm };

  app.get('/admin/settings', { config: manage, schema: { querystring: NoQuery } }, async (_request, reply) => {
    return reply.page('admin/settings', { ...page, values: settingsValues(await getShopSettings(app.db)), errors: {}, current: undefined });
  });

  app.post('/admin/settings', { config: manage, schema: { querystring: NoQuery, body: SettingsForm } }, async (request, reply) => {
    const values = { ...settingsForm.read(request.body), version: Number(formText(request.body, 'version')) };
    try {
      await updateShopSettings(app.db, { userId: request.user!.id }, values);
      await app.refreshShopName();
      request.session.flash = 'Settings saved.';
      return reply.seeOther('/admin/settings');
    } catch (error) {
      if (error instanceof ConflictError) {
        const current = await getShopSettings(app.db);
        return reply.page('admin/settings', { ...page, values: { ...values, version: current.version }, errors: { form: error.message }, current }, 409);
      }
      if (!(error instanceof ValidationError)) throw error;
      return reply.page('admin/settings', { ...page, values, errors: error.fieldErrors, current: undefined }, 422);
    }
  });
}
