import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { alertKindLabels, alertKinds, alertViews, answerAlert, findShopAlert, listShopAlerts, visibleKinds, type AlertAnswer, type AlertFilter } from '../alerts/center.js';
import { presentAlert, snoozeChoices, snoozeUntil } from '../alerts/present.js';
import { lineItemWorkflow } from '../line-items/subject.js';
import { ConflictError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formChecked, formList, formText } from '../platform/forms.js';
import { BigIdParams, EmptyForm, Form, NoQuery, OneOf, Query, Repeated, Text, Version } from '../platform/schemas.js';
import { listAlerts, markAlertsRead, notificationPreferences, saveNotificationPreferences, type Digest } from './alerts.js';

const PreferencesForm = Form({ alertEmails: Text(10), digest: Text(20), queues: Repeated(Text(100), 100) });
const AlertsQuery = Query({ view: OneOf(alertViews), kind: Type.Union([OneOf(alertKinds), Type.Literal('')]), mine: Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('')]) });
const AnswerForm = Form({ version: Version, action: Text(20), reason: Text(2000), until: Text(20), view: Text(20), kind: Text(40), mine: Text(2) });

/** What one alert's answer form carries back when it is shown again: the message, the input, the conflict. */
interface AnswerState {
  id: number;
  errors: FieldErrors;
  reason: string;
  until: string;
  conflict?: string;
}

export async function alertRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const signedIn = { access: 'signed-in' } as const;

  async function alertsPage(request: FastifyRequest, reply: FastifyReply, filter: AlertFilter, answer?: AnswerState, statusCode = 200) {
    const user = { ...request.user!, scope: request.scope };
    const kinds = visibleKinds(user);
    const now = new Date();
    const [messages, shop, workflow, clock] = await Promise.all([
      listAlerts(app.db, user.id),
      kinds.length > 0 ? listShopAlerts(app.db, user, filter, now) : null,
      app.workflows.get(lineItemWorkflow),
      app.shopClock.get(),
    ]);
    // The alert just answered may have left this view (a snooze in between): it is shown on top.
    const answered = answer && shop && !shop.alerts.some((row) => row.id === answer.id) ? await findShopAlert(app.db, user, answer.id) : null;
    return reply.page(
      'notifications/alerts',
      {
        title: 'Alerts',
        alerts: messages,
        shop: shop && { ...shop, alerts: shop.alerts.map((row) => presentAlert(row, workflow, clock, now)) },
        answered: answered && presentAlert(answered, workflow, clock, now),
        filter,
        kinds: kinds.map((kind) => ({ value: kind, label: alertKindLabels[kind] })),
        snoozeChoices,
        answer,
      },
      statusCode,
    );
  }

  function filterOf(query: { view?: string; kind?: string; mine?: string }): AlertFilter {
    return {
      view: alertViews.find((view) => view === query.view) ?? 'open',
      kind: alertKinds.find((kind) => kind === query.kind) ?? null,
      mine: query.mine === '1',
    };
  }

  function filterPath(filter: AlertFilter): string {
    const params = new URLSearchParams();
    if (filter.view !== 'open') params.set('view', filter.view);
    if (filter.kind) params.set('kind', filter.kind);
    if (filter.mine) params.set('mine', '1');
    const query = params.toString();
    return query ? `/alerts?${query}` : '/alerts';
  }

  app.get('/alerts', { config: signedIn, schema: { querystring: AlertsQuery } }, async (request, reply) => alertsPage(request, reply, filterOf(request.query)));

  app.post('/alerts/:id/answer', { config: signedIn, schema: { params: BigIdParams, querystring: NoQuery, body: AnswerForm } }, async (request, reply) => {
    const id = Number(request.params.id);
    const body = request.body;
    const filter = filterOf({ view: formText(body, 'view'), kind: formText(body, 'kind'), mine: formText(body, 'mine') });
    const reason = formText(body, 'reason');
    const until = formText(body, 'until');
    const user = { ...request.user!, scope: request.scope };
    // An alert of a kind this person cannot see is a 404 before anything else is said about it.
    await findShopAlert(app.db, user, id);
    const now = new Date();
    const action = formText(body, 'action');
    let answer: AlertAnswer;
    if (action === 'acknowledge') answer = { action, reason };
    else if (action === 'reopen') answer = { action };
    else if (action === 'snooze') {
      const end = snoozeUntil(until, await app.shopClock.get(), now);
      if (!end) return alertsPage(request, reply, filter, { id, errors: { until: 'Choose how long to snooze it for.' }, reason, until }, 422);
      answer = { action, reason, until: end };
    } else return alertsPage(request, reply, filter, { id, errors: { action: 'Choose acknowledge or snooze.' }, reason, until }, 422);
    try {
      await answerAlert(app.db, user, id, Number(formText(body, 'version')), answer, now);
    } catch (error) {
      if (error instanceof ValidationError) return alertsPage(request, reply, filter, { id, errors: error.fieldErrors, reason, until }, 422);
      if (error instanceof ConflictError) return alertsPage(request, reply, filter, { id, errors: {}, reason, until, conflict: error.message }, 409);
      throw error;
    }
    request.session.flash = action === 'acknowledge' ? 'Alert acknowledged.' : action === 'snooze' ? 'Alert snoozed.' : 'Alert reopened.';
    return reply.seeOther(filterPath(filter));
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
