import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CurrentUser } from '../platform/auth.js';
import { HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formList, formText, isHtmx } from '../platform/forms.js';
import * as fmt from '../platform/format.js';
import { can } from '../platform/permissions.js';
import { fulfillmentMethods, transitionsFor, type Workflow } from '../workflow/definition.js';
import { transitionItem } from '../workflow/transition.js';
import { bulkMove, resolveTarget, type BulkResult } from './bulk.js';
import { itemDetail } from './items.js';
import { filterParams, parseQueueFilter, queuePage, type QueueFilter } from './queue-query.js';
import { ChangeNumbers, loadNavigation, queueNavigation, recordQueueVisit, visitIsStale } from './queues.js';
import { queueRowsHtml } from './queue-rows-html.js';
import { deleteSavedView, saveView } from './saved-views.js';
import { queueFilterChoices } from './filter-choices.js';
import { itemNotes } from './item-notes.js';
import { itemPhotos, sendPhoto } from './item-photos.js';
import { timeWorkedOn, totalMinutes } from './work-logs.js';

function parseId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new HttpError(404);
  return id;
}

/** Only paths back into Traveler, so a form cannot send someone elsewhere. */
function safeReturn(value: string, fallback: string): string {
  return /^\/(?![/\\])/.test(value) ? value : fallback;
}

function queueUrl(key: string, filter: QueueFilter): string {
  const params = filterParams(filter).toString();
  return `/queues/${key}${params ? `?${params}` : ''}`;
}

function transitionInput(body: unknown) {
  return {
    fulfillmentMethod: formText(body, 'fulfillmentMethod') || undefined,
    reason: formText(body, 'reason') || undefined,
    carrier: formText(body, 'carrier') || undefined,
    tracking: formText(body, 'tracking') || undefined,
  };
}

export async function productionRoutes(app: FastifyInstance) {
  const { db } = app;
  const viewQueues = { config: { access: 'queues:view' } } as const;
  const choiceLists = app.filterChoices;
  const changeNumbers = new ChangeNumbers(db);
  const { queuePages } = app;
  const moveItems = { config: { access: 'items:move' } } as const;

  async function findQueue(key: string) {
    const workflow = await app.workflow.get();
    const queue = workflow.queues.find((q) => q.key === key);
    if (!queue) throw new HttpError(404, 'There is no such queue.');
    return { workflow, queue };
  }

  /**
   * The region that refreshes itself: the table, its pagination, and the change number it shows.
   * The change number is read before the rows, so a change in between shows on the next refresh.
   */
  async function queueTableData(user: CurrentUser, workflow: Workflow, queueKey: string, filter: QueueFilter, changeSeq: number) {
    const queue = workflow.queues.find((q) => q.key === queueKey)!;
    const today = fmt.today();
    const page = await queuePages.read(queue.statuses, filter, today, changeSeq, () => queuePage(db, queue.statuses, filter, today));
    const returnTo = queueUrl(queueKey, filter);
    const canMove = can(user.roles, 'items:move');
    const actionsFor = (status: string) => transitionsFor(workflow, status, user.roles);
    const rowsHtml = queueRowsHtml(page, {
      workflow,
      queueKey,
      roles: user.roles,
      templateData: { queue, today, canMove, actionsFor, fulfillmentMethods, returnTo },
    });
    return {
      queue,
      rows: page.rows,
      rowsHtml,
      nextCursor: page.nextCursor,
      changeSeq,
      filter,
      filterQuery: filterParams(filter).toString(),
      nextPageUrl: page.nextCursor ? `/queues/${queueKey}?${filterParams(filter, { after: page.nextCursor }).toString()}` : undefined,
      firstPageUrl: filter.after ? `/queues/${queueKey}?${filterParams(filter, { after: undefined }).toString()}` : undefined,
      returnTo,
      statuses: workflow.statuses,
      fulfillmentMethods,
      today,
      canMove,
    };
  }

  app.get('/queues', viewQueues, async (request, reply) => {
    const nav = await queueNavigation(db, request.user!);
    const first = nav.find((queue) => queue.owned) ?? nav[0];
    return reply.redirect(first ? `/queues/${first.key}` : '/', 303);
  });

  app.get('/queues/:key', viewQueues, async (request, reply) => {
    const { key } = request.params as { key: string };
    const { workflow, queue } = await findQueue(key);
    const query = request.query as Record<string, unknown>;
    const { filter, errors } = parseQueueFilter(query);
    const { queueNav, unreadAlerts, savedViews } = await loadNavigation(db, request.user!, true, key);
    const here = queueNav.find((q) => q.key === key)!;
    const [table, choices] = await Promise.all([
      queueTableData(request.user!, workflow, key, filter, here.changeSeq),
      queueFilterChoices(db, choiceLists, filter),
      visitIsStale(here.lastSeenAt) ? recordQueueVisit(db, request.user!.id, key) : undefined,
    ]);
    const bulkActions = [...new Map(queue.statuses.flatMap((status) => transitionsFor(workflow, status, request.user!.roles)).map((t) => [t.label === 'Mark BUILT' ? 'built' : t.to, t])).entries()];
    return reply.page(
      'production/queue',
      { title: queue.label, wide: true, currentQueue: key, queueNav, unreadAlerts, ...table, choices, savedViews, filterErrors: errors, rawQuery: query, bulkActions },
      Object.keys(errors).length > 0 ? 422 : 200,
    );
  });

  // Polled every few seconds by open queue pages: unchanged costs one lookup and no rendering.
  app.get('/queues/:key/changes', viewQueues, async (request, reply) => {
    const { key } = request.params as { key: string };
    const query = request.query as Record<string, unknown>;
    const seen = typeof query.seq === 'string' && /^\d+$/.test(query.seq) ? Number(query.seq) : -1;
    const current = await changeNumbers.get(key);
    if (current === undefined) throw new HttpError(404);
    if (current === seen) return reply.code(204).header('cache-control', 'no-store').send();
    const { workflow } = await findQueue(key);
    const { filter } = parseQueueFilter(query);
    const queueNav = await queueNavigation(db, request.user!);
    const table = await queueTableData(request.user!, workflow, key, filter, queueNav.find((q) => q.key === key)!.changeSeq);
    return reply.header('cache-control', 'no-store').fragment('production/queue-refresh', { ...table, queueNav, currentQueue: key });
  });

  app.post('/items/:id/transitions', moveItems, async (request, reply) => {
    const itemId = parseId((request.params as { id: string }).id);
    const body = request.body;
    const workflow = await app.workflow.get();
    const returnTo = safeReturn(formText(body, 'returnTo'), `/items/${itemId}`);
    const htmx = isHtmx(request);
    const fromStatus = formText(body, 'from');
    const input = transitionInput(body);
    try {
      const toStatus = resolveTarget(workflow, fromStatus, formText(body, 'to'), input.fulfillmentMethod);
      const outcome = await transitionItem(db, { userId: request.user!.id, roles: request.user!.roles }, {
        itemId,
        expectedVersion: Number(formText(body, 'version')),
        toStatus,
        ...input,
      });
      if (outcome.mailQueued) app.mail.nudge();
      const message = `${outcome.label} → ${workflow.statuses.get(outcome.toStatus)!.label}`;
      if (!htmx) {
        request.session.flash = message;
        return reply.redirect(returnTo, 303);
      }
      const queueNav = await queueNavigation(db, request.user!);
      return reply.fragment('production/transition-result', { itemId, message, queueNav, currentQueue: formText(body, 'queue') });
    } catch (error) {
      if (!(error instanceof ValidationError) || htmx) throw error;
      return itemPage(request, reply, itemId, { to: formText(body, 'to'), errors: error.fieldErrors, values: input, returnTo }, 422);
    }
  });

  app.post('/queues/:key/bulk', moveItems, async (request, reply) => {
    const { key } = request.params as { key: string };
    const { workflow } = await findQueue(key);
    const body = request.body;
    const returnTo = safeReturn(formText(body, 'returnTo'), `/queues/${key}`);
    const selected = formList(body, 'item');
    let results: BulkResult[] = [];
    let problem: string | undefined;
    if (selected.length === 0) problem = 'Select at least one item first.';
    else if (formText(body, 'to') === '') problem = 'Choose what to do with the selected items.';
    else results = await bulkMove(db, workflow, request.user!, selected, formText(body, 'to'), transitionInput(body));
    if (results.some((result) => result.mailQueued)) app.mail.nudge();
    if (!isHtmx(request)) {
      request.session.flash = problem ?? results.map((r) => `${r.label}: ${r.message}`).join(' · ');
      return reply.redirect(returnTo, 303);
    }
    const { filter } = parseQueueFilter(Object.fromEntries(new URL(returnTo, 'http://x').searchParams));
    const queueNav = await queueNavigation(db, request.user!);
    const table = await queueTableData(request.user!, workflow, key, filter, queueNav.find((q) => q.key === key)!.changeSeq);
    return reply.fragment('production/bulk-result', { ...table, queueNav, currentQueue: key, results, problem });
  });

  app.post('/queues/:key/views', viewQueues, async (request, reply) => {
    const { key } = request.params as { key: string };
    await findQueue(key);
    const query = formText(request.body, 'query');
    try {
      await saveView(db, request.user!.id, key, formText(request.body, 'name'), query);
      request.session.flash = 'View saved.';
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      request.session.flash = Object.values(error.fieldErrors).join(' ');
    }
    return reply.redirect(`/queues/${key}${query ? `?${query}` : ''}`, 303);
  });

  app.post('/queues/:key/views/:id/delete', viewQueues, async (request, reply) => {
    const { key, id } = request.params as { key: string; id: string };
    await deleteSavedView(db, request.user!.id, parseId(id));
    request.session.flash = 'Saved view removed.';
    return reply.redirect(`/queues/${key}`, 303);
  });

  async function itemPage(
    request: FastifyRequest,
    reply: FastifyReply,
    itemId: number,
    form: { to: string; errors: FieldErrors; values: Record<string, string | undefined>; returnTo: string },
    statusCode = 200,
  ) {
    const workflow = await app.workflow.get();
    const detail = await itemDetail(db, itemId);
    if (!detail) throw new HttpError(404, 'That item does not exist.');
    const actions = transitionsFor(workflow, detail.item.status, request.user!.roles);
    const [times, notes, photos] = await Promise.all([timeWorkedOn(db, [itemId]), itemNotes(db, itemId), itemPhotos(db, itemId)]);
    const worked = times.get(itemId) ?? [];
    return reply.page(
      'production/item',
      { title: `${detail.label} ${detail.item.description}`, ...detail, worked, workedTotal: totalMinutes(worked), notes, photos, actions, form, statuses: workflow.statuses, fulfillmentMethods, canMove: can(request.user!.roles, 'items:move') },
      statusCode,
    );
  }

  app.get('/items/:id', { config: { access: 'orders:view' } }, async (request, reply) => {
    const itemId = parseId((request.params as { id: string }).id);
    const query = request.query as Record<string, unknown>;
    const to = typeof query.to === 'string' ? query.to : '';
    const returnTo = safeReturn(typeof query.return === 'string' ? query.return : '', `/items/${itemId}`);
    return itemPage(request, reply, itemId, { to, errors: {}, values: {}, returnTo });
  });

  for (const size of ['image', 'thumbnail'] as const) {
    app.get(size === 'image' ? '/photos/:id' : '/photos/:id/thumbnail', { config: { access: 'orders:view' } }, async (request, reply) =>
      sendPhoto(db, reply, parseId((request.params as { id: string }).id), size),
    );
  }
}
