import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ConflictError, ValidationError } from '../platform/errors.js';
import { formText } from '../platform/forms.js';
import { NoQuery, Version } from '../platform/schemas.js';
import { calendarForm, calendarValues, getStoredCalendar, updateShopCalendar, weekdayOptions, type CalendarValues } from './calendar.js';
import { getShopSettings, settingsForm, settingsOptions, settingsValues, updateShopSettings, type SettingsValues } from './settings.js';

const SettingsForm = settingsForm.schema({ version: Version });
const CalendarForm = calendarForm.schema({ version: Version });

type Versioned<Values> = Values & { version: number };
interface SettingsPage {
  values?: Versioned<SettingsValues>;
  errors?: Record<string, string>;
  current?: Awaited<ReturnType<typeof getShopSettings>>;
  calendar?: Versioned<CalendarValues>;
  calendarErrors?: Record<string, string>;
  savedCalendar?: Versioned<CalendarValues>;
}

export async function settingsRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const manage = { access: 'settings:manage' } as const;
  // Both forms carry the settings' version: saving either one is refused if the other was saved meanwhile.
  const page = async (shown: SettingsPage) => ({
    title: 'Shop settings',
    spec: settingsForm,
    settingsOptions,
    calendarForm,
    calendarOptions: { workDays: weekdayOptions },
    values: shown.values ?? settingsValues(await getShopSettings(app.db)),
    errors: shown.errors ?? {},
    current: shown.current,
    calendar: shown.calendar ?? calendarValues(await getStoredCalendar(app.db)),
    calendarErrors: shown.calendarErrors ?? {},
    savedCalendar: shown.savedCalendar,
    timeZone: app.config.shopTimezone,
  });

  app.get('/admin/settings', { config: manage, schema: { querystring: NoQuery } }, async (_request, reply) => {
    return reply.page('admin/settings', await page({}));
  });

  app.post('/admin/settings/calendar', { config: manage, schema: { querystring: NoQuery, body: CalendarForm } }, async (request, reply) => {
    const calendar = { ...calendarForm.read(request.body), version: Number(request.body.version) };
    try {
      await updateShopCalendar(app.db, { userId: request.user!.id }, calendar);
      app.shopClock.forget();
      request.session.flash = 'Working hours saved.';
      return reply.seeOther('/admin/settings');
    } catch (error) {
      if (error instanceof ConflictError) {
        const saved = calendarValues(await getStoredCalendar(app.db));
        return reply.page('admin/settings', await page({ calendar: { ...calendar, version: saved.version }, calendarErrors: { form: error.message }, savedCalendar: saved }), 409);
      }
      if (!(error instanceof ValidationError)) throw error;
      return reply.page('admin/settings', await page({ calendar, calendarErrors: error.fieldErrors }), 422);
    }
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
        return reply.page('admin/settings', await page({ values: { ...values, version: current.version }, errors: { form: error.message }, current }), 409);
      }
      if (!(error instanceof ValidationError)) throw error;
      return reply.page('admin/settings', await page({ values, errors: error.fieldErrors }), 422);
    }
  });
}
