import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { CurrentUser } from '../platform/auth.js';
import { HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formList, formText, isHtmx } from '../platform/forms.js';
import * as fmt from '../platform/format.js';
import { can } from '../platform/permissions.js';
import { parseUrlencoded } from '../platform/input.js';
import { localPath } from '../platform/redirects.js';
import { BigIdParams, Form, IdParams, MoveTarget, NoQuery, Query, QueueKeyParams, Repeated, ReturnPath, Text, Version, WorkflowKey } from '../platform/schemas.js';
import { checklistPageData } from '../checklists/present.js';
import { ownCustomer, seesMoney, visible } from '../visibility/scope.js';
import { historyWithoutMoney } from '../visibility/money.js';
import { documentsOf } from '../documents/documents.js';
import { listCarriers, templatesOf, trackingUrl } from '../carriers/carriers.js';
import { fulfillmentMethods } from '../line-items/fulfillment.js';
import { lineItemQueues, lineItemWorkflow } from '../line-items/subject.js';
import { actionChoices, moveTarget, type Workflow } from '../workflow/definition.js';
import { transition } from '../workflow/engine.js';
import { bulkMove, type BulkResult } from './bulk.js';
import { itemRecord } from './items.js';
import { filterParams, parseQueueFilter, queuePage, type QueueFilter, queueFilterFields } from './queue-query.js';
import { loadNavigation, queueNavigation, recordQueueVisit, visitIsStale } from '../workflow/navigation.js';
import { queueRowsHtml } from './queue-rows-html.js';
import { deleteSavedView, normalisedViewQuery, saveView } from './saved-views.js';
import { queueFilterChoices } from './filter-choices.js';
import { sendPhoto } from '../line-items/photos.js';

/** What an open queue page polls with: its rows change with the queue's change number, their buttons with the workflow. */
function changeKey(workflow: Workflow, changeSeq: number): string {
  return `${workflow.revision}.${changeSeq}`;
}

function queueUrl(key: string, filter: QueueFilter): string {
  const params = filterParams(filter).toString();
  return `/queues/${key}${params ? `?${params}` : ''}`;
}

const transitionFields = {
  fulfillmentMethod: WorkflowKey,
  reason: Text(10_000),
  carrier: Text(1000),
  tracking: Text(5000),
};

function transitionInput(body: unknown) {
  return {
    fulfillmentMethod: formText(body, 'fulfillmentMethod') || undefined,
    reason: formText(body, 'reason') || undefined,
    carrier: formText(body, 'carrier') || undefined,
    tracking: formText(body, 'tracking') || undefined,
  };
}

const QueueFilterQuery = Query({ ...queueFilterFields, after: Text(1000), seq: Text(30) });

const TransitionForm = Form({ version: Version, from: WorkflowKey, to: MoveTarget, returnTo: ReturnPath, queue: WorkflowKey, ...transitionFields });
const BulkForm = Form({ item: Repeated(Text(40), 500), to: MoveTarget, returnTo: ReturnPath, action: Text(20), ...transitionFields });
const SaveViewForm = Form({ name: Text(1000), query: Text(4096) });

interface ItemForm {
  to: string;
  errors: FieldErrors;
  values: Record<string, string | undefined>;
  returnTo: string;
}

export async function productionRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;
  const choiceLists = app.filterChoices;
  const { queuePages, changeNumbers } = app;
  const viewQueues = { access: 'queues:view' } as const;
  const moveItems = { access: 'items:move' } as const;

  async function findQueue(key: string) {
    const workflow = await app.workflows.get(lineItemWorkflow);
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
    const page = await queuePages.read(lineItemWorkflow, queue.statuses, filter, today, changeSeq, () => queuePage(db, queue.statuses, filter, today));
    const returnTo = queueUrl(queueKey, filter);
    const canMove = can(user.roles, 'items:move');
    const actionsFor = (status: string, heldFrom: string | null) => actionChoices(workflow, [status], user.roles, heldFrom);
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
      changeKey: changeKey(workflow, changeSeq),
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

  app.get('/queues', { config: viewQueues, schema: { querystring: NoQuery } }, async (request, reply) => {
    const nav = await queueNavigation(db, lineItemQueues, request.user!);
    const first = nav.find((queue) => queue.owned) ?? nav[0];
    return reply.seeOther(first ? `/queues/${first.key}` : '/');
  });

  /** A queue page; `saveView` carries a refused "Save this view" back beside its field. */
  async function queuePageReply(request: FastifyRequest, reply: FastifyReply, key: string, query: Record<string, unknown>, saveView?: { name: string; errors: FieldErrors }) {
    const { workflow, queue } = await findQueue(key);
    const { filter, errors } = parseQueueFilter(query);
    if (request.scope) {
      filter.salespersonId = request.scope.salespersonId;
      // The filter names its customer: not one of someone else's.
      if (filter.customerId !== undefined && !(await visible.customer(db, request.scope, filter.customerId))) throw new HttpError(404, 'There is no such customer.');
    }
    const { queueNav, unreadAlerts, savedViews } = await loadNavigation(db, lineItemQueues, request.user!, true, key);
    const here = queueNav.find((q) => q.key === key)!;
    const [table, choices] = await Promise.all([
      queueTableData(request.user!, workflow, key, filter, here.changeSeq),
      queueFilterChoices(db, choiceLists, filter),
      visitIsStale(here.lastSeenAt) ? recordQueueVisit(db, request.user!.id, lineItemWorkflow, key) : undefined,
    ]);
    const bulkActions = actionChoices(workflow, queue.statuses, request.user!.roles);
    // A link can name a machine, material or customer that no longer exists: say so, or the empty queue would puzzle.
    if (filter.machineId && !choices.machines.some((m) => m.id === filter.machineId)) errors.machine = 'That machine is not in the list (any more).';
    if (filter.materialId && !choices.materials.some((m) => m.id === filter.materialId)) errors.material = 'That material is not in the list (any more).';
    if (filter.customerId && !choices.customer) errors.customer = 'That customer does not exist (any more).';
    const refused = Object.keys(errors).length > 0 || saveView !== undefined;
    return reply.page(
      'production/queue',
      {
        title: queue.label,
        wide: true,
        currentQueue: key,
        queueNav,
        unreadAlerts,
        ...table,
        choices,
        savedViews,
        filterErrors: errors,
        rawQuery: query,
        bulkActions,
        saveView,
        canBatch: can(request.user!.roles, 'batches:manage'),
        batchFilterQuery: new URLSearchParams({ queue: key, ...Object.fromEntries(filterParams({ ...filter, after: undefined })) }).toString(),
      },
      refused ? 422 : 200,
    );
  }

  app.get('/queues/:key', { config: viewQueues, schema: { params: QueueKeyParams, querystring: QueueFilterQuery } }, async (request, reply) =>
    queuePageReply(request, reply, request.params.key, request.query),
  );

  // Polled every few seconds by open queue pages: unchanged costs one lookup and no rendering.
  app.get('/queues/:key/changes', { config: viewQueues, schema: { params: QueueKeyParams, querystring: QueueFilterQuery } }, async (request, reply) => {
    const { key } = request.params;
    const query = request.query;
    const [current, workflow] = await Promise.all([changeNumbers.get(lineItemWorkflow, key), app.workflows.get(lineItemWorkflow)]);
    if (current === undefined) throw new HttpError(404);
    if (query.seq === changeKey(workflow, current)) return reply.code(204).send();
    await findQueue(key);
    const { filter } = parseQueueFilter(query);
    if (request.scope) filter.salespersonId = request.scope.salespersonId;
    const queueNav = await queueNavigation(db, lineItemQueues, request.user!);
    const table = await queueTableData(request.user!, workflow, key, filter, queueNav.find((q) => q.key === key)!.changeSeq);
    return reply.fragment('production/queue-refresh', { ...table, queueNav, currentQueue: key });
  });

  app.post('/items/:id/transitions', { config: moveItems, schema: { params: IdParams, querystring: NoQuery, body: TransitionForm } }, async (request, reply) => {
    const itemId = Number(request.params.id);
    const body = request.body;
    const returnTo = localPath(formText(body, 'returnTo'), `/items/${itemId}`);
    const htmx = isHtmx(request);
    const input = transitionInput(body);
    try {
      const to = moveTarget(formText(body, 'to'));
      if (to === undefined) throw new ValidationError({ to: 'Choose one of the moves offered.' });
      const outcome = await transition(db, { type: 'line_item', id: itemId }, { userId: request.user!.id, roles: request.user!.roles }, {
        expectedVersion: Number(formText(body, 'version')),
        to,
        input,
      });
      if (outcome.mailQueued) app.mail.nudge();
      const message = `${outcome.label} → ${outcome.to.label}`;
      if (!htmx) {
        request.session.flash = message;
        return reply.seeOther(returnTo);
      }
      const queueNav = await queueNavigation(db, lineItemQueues, request.user!);
      return reply.fragment('production/transition-result', { itemId, message, queueNav, currentQueue: formText(body, 'queue') });
    } catch (error) {
      // On the item page, a refusal shows the page as it is now, with what the person typed kept.
      const refused = error instanceof ValidationError || (error instanceof HttpError && error.statusCode < 500 && error.statusCode !== 404);
      if (htmx || !refused) throw error;
      const errors = error instanceof ValidationError ? error.fieldErrors : { form: error.message };
      const statusCode = error instanceof ValidationError ? 422 : (error as HttpError).statusCode;
      return itemPage(request, reply, itemId, { to: formText(body, 'to'), errors, values: input, returnTo }, statusCode);
    }
  });

  app.post('/queues/:key/bulk', { config: moveItems, schema: { params: QueueKeyParams, querystring: NoQuery, body: BulkForm } }, async (request, reply) => {
    const { key } = request.params;
    const { workflow } = await findQueue(key);
    const body = request.body;
    const returnTo = localPath(formText(body, 'returnTo'), `/queues/${key}`);
    let selected = formList(body, 'item');
    if (request.scope && selected.length > 0) {
      // A salesperson kept to their own customers moves only their items; others are as if not there.
      const ids = selected.map((entry) => Number(entry.split(':')[0])).filter((id) => Number.isSafeInteger(id) && id > 0 && id <= 2_147_483_647);
      const theirs = ids.length === 0 ? [] : await db.selectFrom('line_items').select('id').where('id', 'in', ids).where((eb) => ownCustomer(eb.ref('line_items.customer_id'), request.scope!)).execute();
      const visibleIds = new Set(theirs.map((row) => String(row.id)));
      selected = selected.filter((entry) => visibleIds.has(entry.split(':')[0]!));
    }
    const batching = formText(body, 'action') === 'batch';
    if (batching && selected.length > 0) {
      // Batching is a page of its own (name the batch, or choose one): the selection goes along in the link.
      const target = `/batches/new?items=${selected.map((entry) => entry.split(':')[0]).join(',')}&return=${encodeURIComponent(returnTo)}`;
      if (isHtmx(request)) return reply.header('hx-redirect', target).code(204).send();
      return reply.seeOther(target);
    }
    let results: BulkResult[] = [];
    let problem: string | undefined;
    if (selected.length === 0) problem = batching ? 'Select the items to put in a batch first.' : 'Select at least one item first.';
    else if (formText(body, 'to') === '') problem = 'Choose what to do with the selected items.';
    else {
      const to = moveTarget(formText(body, 'to'));
      if (to === undefined) problem = 'Choose one of the moves offered.';
      else results = await bulkMove(db, request.user!, selected, to, transitionInput(body));
    }
    if (results.some((result) => result.mailQueued)) app.mail.nudge();
    if (!isHtmx(request)) {
      request.session.flash = problem ?? results.map((r) => `${r.label}: ${r.message}`).join(' · ');
      return reply.seeOther(returnTo);
    }
    const { filter } = parseQueueFilter(Object.fromEntries(new URL(returnTo, 'http://x').searchParams));
    if (request.scope) filter.salespersonId = request.scope.salespersonId;
    const queueNav = await queueNavigation(db, lineItemQueues, request.user!);
    const table = await queueTableData(request.user!, workflow, key, filter, queueNav.find((q) => q.key === key)!.changeSeq);
    return reply.fragment('production/bulk-result', { ...table, queueNav, currentQueue: key, results, problem });
  });

  app.post('/queues/:key/views', { config: viewQueues, schema: { params: QueueKeyParams, querystring: NoQuery, body: SaveViewForm } }, async (request, reply) => {
    const { key } = request.params;
    await findQueue(key);
    const query = normalisedViewQuery(formText(request.body, 'query'));
    const name = formText(request.body, 'name');
    try {
      await saveView(db, request.user!.id, key, name, query);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return queuePageReply(request, reply, key, parseUrlencoded(query), { name, errors: error.fieldErrors });
    }
    request.session.flash = `View “${name}” saved.`;
    return reply.seeOther(`/queues/${key}${query ? `?${query}` : ''}`);
  });

  app.post(
    '/queues/:key/views/:id/delete',
    { config: viewQueues, schema: { params: Type.Object({ key: QueueKeyParams.properties.key, id: IdParams.properties.id }), querystring: NoQuery, body: Form({}) } },
    async (request, reply) => {
      const { key, id } = request.params;
      await findQueue(key);
      await deleteSavedView(db, request.user!.id, Number(id));
      request.session.flash = 'Saved view removed.';
      return reply.seeOther(`/queues/${key}`);
    },
  );

  async function itemPage(request: FastifyRequest, reply: FastifyReply, itemId: number, form: ItemForm, statusCode = 200) {
    const workflow = await app.workflows.get(lineItemWorkflow);
    const [record, documents, carriers, checklist] = await Promise.all([
      itemRecord(db, workflow, itemId, { clock: await app.shopClock.get(), history: await app.durations.lookup() }),
      documentsOf(db, [{ type: 'line_item', id: itemId }]),
      listCarriers(db),
      checklistPageData(db, request.user!.roles, itemId),
    ]);
    if (!record) throw new HttpError(404, 'That item does not exist.');
    const { item } = record;
    const actions = actionChoices(workflow, [item.status], request.user!.roles, item.heldFrom);
    // Back leads where the person came from; opened directly, to the item's queue (or its order once it has left the queues).
    const queueKey = record.status.queueKey;
    const ownPage = `/items/${itemId}`;
    const back = form.returnTo && form.returnTo !== ownPage ? form.returnTo : queueKey && can(request.user!.roles, 'queues:view') ? `/queues/${queueKey}` : `/orders/${item.orderId}`;
    return reply.page(
      'production/item',
      {
        title: `${record.label} ${item.description}`,
        ...record,
        history: seesMoney(request.user!.roles) ? record.history : historyWithoutMoney(record.history),
        documents,
        checklist: checklist && { ...checklist, base: ownPage, kiosk: false, shown: {} },
        carriers: carriers.filter((carrier) => carrier.active).map((carrier) => carrier.name),
        trackingLink: trackingUrl(templatesOf(carriers), item.carrier, item.tracking),
        canAttach: can(request.user!.roles, 'documents:attach'),
        actions,
        form,
        back,
        statuses: workflow.statuses,
        fulfillmentMethods,
        canMove: can(request.user!.roles, 'items:move'),
        canViewPlanning: can(request.user!.roles, 'planning:view'),
      },
      statusCode,
    );
  }

  app.get('/items/:id', { config: { access: 'orders:view' }, schema: { params: IdParams, querystring: Query({ to: MoveTarget, return: ReturnPath }) } }, async (request, reply) => {
    const itemId = Number(request.params.id);
    const returnTo = localPath(request.query.return, '');
    return itemPage(request, reply, itemId, { to: request.query.to ?? '', errors: {}, values: {}, returnTo });
  });

  for (const size of ['image', 'thumbnail'] as const) {
    app.get(size === 'image' ? '/photos/:id' : '/photos/:id/thumbnail', { config: { access: 'orders:view' }, schema: { params: BigIdParams, querystring: NoQuery } }, async (request, reply) =>
      sendPhoto(db, reply, Number(request.params.id), size),
    );
  }
}
