import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { lineItemWorkflow } from '../line-items/subject.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import * as fmt from '../platform/format.js';
import { isHtmx } from '../platform/forms.js';
import { can } from '../platform/permissions.js';
import { localPath } from '../platform/redirects.js';
import { Cached } from '../platform/cached.js';
import { renderForAnyViewer } from '../platform/views.js';
import { EmptyForm, Form, Id, IdParams, NoQuery, Query, ReturnPath, Text, Version } from '../platform/schemas.js';
import { itemsMatching, parseQueueFilter, queueFilterFields } from '../production/queue-query.js';
import {
  batchEditForm,
  batchForm,
  batchItems,
  batchLineItems,
  deleteBatch,
  existingItems,
  findBatch,
  listBatches,
  maxBatchItems,
  removeFromBatch,
  updateBatch,
  type BatchEditValues,
  type BatchSummary,
  type BatchValues,
} from './batches.js';
import { batchProgress, stageLabels, type BatchProgress } from './progress.js';

const NewBatchQuery = Query({ items: Text(20_000), order: Id, queue: Text(40), return: ReturnPath, ...queueFilterFields });
const NewBatchForm = batchForm.schema({ items: Text(100_000), source: Text(200), returnTo: ReturnPath });
const EditBatchForm = batchEditForm.schema({ version: Version });
const ItemParams = Type.Object({ id: Id, itemId: Id });
const BatchPageQuery = Query({ all: Text(5) });
/** Items listed on a batch's page before "Show all". */
const itemsListed = 25;

/** What a new batch is made of, as the form carries it along: the items, and where they came from in words. */
interface Selection {
  itemIds: number[];
  source: string;
  /** More items matched than a batch holds. */
  tooMany: boolean;
}

export async function batchRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;
  const view = { access: 'orders:view' } as const;
  const manage = { access: 'batches:manage' } as const;

  async function loadBatch(id: string): Promise<BatchSummary> {
    const batch = await findBatch(db, Number(id));
    if (!batch) throw new HttpError(404, 'There is no such batch.');
    return batch;
  }

  // The newest event, read at most once a second per instance: an open batch page polls every 5 s.
  const newestEvent = new Cached(1_000, async () => Number((await db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0));
  // A batch changed here is shown changed at once to whoever asked (the page they are sent back to).
  app.addHook('onSend', async (request) => {
    if (request.method === 'POST') newestEvent.invalidate();
  });

  // A batch and its progress are reused while nothing in the shop has changed (the newest event:
  // every change to a batch records one) in the same minute (pace moves with the clock): an open
  // batch page polls, and many look at one batch. Kept as a promise, so the requests that find
  // it out of date all wait for the same reading.
  const kept = new Map<number, { key: string; shown: Promise<{ batch: BatchSummary; progress: BatchProgress } | undefined> }>();
  async function batchWithProgress(batchId: number): Promise<{ batch: BatchSummary; progress: BatchProgress } | undefined> {
    const [workflow, clock, history, newest] = await Promise.all([app.workflows.get(lineItemWorkflow), app.shopClock.get(), app.durations.lookup(), newestEvent.get()]);
    const key = `${newest}|${workflow.revision}|${Math.floor(Date.now() / 60_000)}`;
    const reused = kept.get(batchId);
    if (reused?.key === key) return reused.shown;
    const shown = Promise.all([findBatch(db, batchId), batchLineItems(db, batchId)]).then(([batch, items]) => (batch ? { batch, progress: batchProgress(items, workflow, clock, history, new Date()) } : undefined));
    kept.delete(batchId);
    kept.set(batchId, { key, shown });
    if (kept.size > 200) kept.delete(kept.keys().next().value!);
    // A failed or vanished batch is not kept: the next request reads again.
    shown.then(
      (found) => found === undefined && kept.get(batchId)?.shown === shown && kept.delete(batchId),
      () => kept.get(batchId)?.shown === shown && kept.delete(batchId),
    );
    return shown;
  }
  async function progressOf(batchId: number): Promise<BatchProgress> {
    const shown = await batchWithProgress(batchId);
    if (!shown) throw new HttpError(404, 'There is no such batch.');
    return shown.progress;
  }

  async function selectionOf(query: Record<string, string | undefined>): Promise<Selection> {
    if (query.items) {
      const itemIds = await existingItems(db, query.items.split(','));
      return { itemIds: itemIds.slice(0, maxBatchItems), source: 'your selection', tooMany: itemIds.length > maxBatchItems };
    }
    if (query.order) {
      const order = await db.selectFrom('orders').select(['id', 'number']).where('id', '=', Number(query.order)).executeTakeFirst();
      if (!order) throw new HttpError(404, 'There is no such order.');
      const rows = await db.selectFrom('line_items').select('id').where('order_id', '=', order.id).orderBy('position').execute();
      return { itemIds: rows.map((row) => row.id), source: `the items of order ${order.number}`, tooMany: false };
    }
    if (query.queue) {
      const workflow = await app.workflows.get(lineItemWorkflow);
      const queue = workflow.queues.find((candidate) => candidate.key === query.queue);
      if (!queue) throw new HttpError(404, 'There is no such queue.');
      const { filter, errors } = parseQueueFilter(query);
      if (Object.keys(errors).length > 0) throw new HttpError(400, `The queue filter in that link cannot be used: ${Object.values(errors).join(' ')}`);
      const rows = await itemsMatching(db, queue.statuses, filter, fmt.today()).select('line_items.id').orderBy('line_items.id').limit(maxBatchItems + 1).execute();
      const filtered = Object.keys(filter).some((key) => key !== 'sort');
      return { itemIds: rows.slice(0, maxBatchItems).map((row) => row.id), source: `${queue.label}${filtered ? ', filtered' : ''}`, tooMany: rows.length > maxBatchItems };
    }
    return { itemIds: [], source: '', tooMany: false };
  }

  async function newBatchPage(reply: FastifyReply, selection: Selection, values: BatchValues, errors: FieldErrors, returnTo: string, statusCode = 200) {
    const batches = await listBatches(db);
    return reply.page(
      'batches/new',
      {
        title: 'Put items in a batch',
        selection,
        values,
        errors,
        returnTo,
        batchForm,
        options: { batchId: batches.map((batch) => ({ value: String(batch.id), label: `${batch.name} (${batch.items} items)` })) },
        maxBatchItems,
      },
      statusCode,
    );
  }

  app.get('/batches', { config: view, schema: { querystring: NoQuery } }, async (request, reply) => {
    const batches = await listBatches(db);
    // A batch deleted since the list was read is left out.
    const shown = (await Promise.all(batches.slice(0, 100).map((batch) => batchWithProgress(batch.id)))).filter((entry) => entry !== undefined);
    return reply.page('batches/list', { title: 'Batches', shown, more: batches.length - shown.length, canManage: can(request.user!.roles, 'batches:manage') });
  });

  app.get('/batches/new', { config: manage, schema: { querystring: NewBatchQuery } }, async (request, reply) => {
    const selection = await selectionOf(request.query);
    return newBatchPage(reply, selection, batchForm.blank(), {}, localPath(request.query.return, '/batches'));
  });

  app.post('/batches', { config: manage, schema: { querystring: NoQuery, body: NewBatchForm } }, async (request, reply) => {
    const values = batchForm.read(request.body);
    const itemIds = await existingItems(db, (request.body.items ?? '').split(','));
    const selection: Selection = { itemIds, source: request.body.source ?? '', tooMany: false };
    const returnTo = localPath(request.body.returnTo, '/batches');
    try {
      const { batchId, added } = await batchItems(db, { userId: request.user!.id }, values, itemIds, selection.source);
      request.session.flash = `${added} ${added === 1 ? 'item' : 'items'} added to the batch.`;
      return reply.seeOther(`/batches/${batchId}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return newBatchPage(reply, selection, values, error.fieldErrors, returnTo, 422);
    }
  });

  // The progress region as HTML, rendered once per computed progress and way of showing it: an
  // open batch page polls it every 5 s, so the same HTML goes to every viewer until something changes.
  const renderedProgress = new WeakMap<BatchProgress, Map<string, (csrfToken: string) => string>>();
  async function progressHtml(request: FastifyRequest, reply: FastifyReply, batch: BatchSummary, showAll: boolean): Promise<string> {
    const progress = await progressOf(batch.id);
    const canManage = can(request.user!.roles, 'batches:manage');
    const way = `${batch.version}|${canManage}|${showAll}`;
    let byWay = renderedProgress.get(progress);
    if (!byWay) renderedProgress.set(progress, (byWay = new Map()));
    let render = byWay.get(way);
    if (!render) {
      const workflow = await app.workflows.get(lineItemWorkflow);
      render = renderForAnyViewer('batches/progress', { batch, progress, stageLabels, statuses: workflow.statuses, canManage, itemsListed: showAll ? Number.POSITIVE_INFINITY : itemsListed });
      byWay.set(way, render);
    }
    return render(reply.generateCsrf());
  }

  async function batchPage(request: FastifyRequest, reply: FastifyReply, batch: BatchSummary, edit: { values: BatchEditValues & { version: number }; errors: FieldErrors; conflict?: boolean }, statusCode = 200) {
    const showAll = (request.query as { all?: string } | undefined)?.all === '1';
    const progress = await progressHtml(request, reply, batch, showAll);
    return reply.page('batches/show', { title: batch.name, batch, progressHtml: progress, edit, batchEditForm, canManage: can(request.user!.roles, 'batches:manage'), wide: true }, statusCode);
  }

  app.get('/batches/:id', { config: view, schema: { params: IdParams, querystring: BatchPageQuery } }, async (request, reply) => {
    const shown = await batchWithProgress(Number(request.params.id));
    if (!shown) throw new HttpError(404, 'There is no such batch.');
    const { batch } = shown;
    return batchPage(request, reply, batch, { values: { name: batch.name, notes: batch.notes, version: batch.version }, errors: {} });
  });

  // The bar and breakdown, polled by the batch page so it moves as the shop floor works.
  app.get('/batches/:id/progress', { config: view, schema: { params: IdParams, querystring: BatchPageQuery } }, async (request, reply) => {
    if (!isHtmx(request)) return reply.seeOther(`/batches/${request.params.id}`);
    const shown = await batchWithProgress(Number(request.params.id));
    // Deleted in another tab: say so in place, and 286 tells htmx to stop polling.
    if (!shown) return reply.fragment('batches/gone', {}, 286);
    return reply.type('text/html; charset=utf-8').send(await progressHtml(request, reply, shown.batch, request.query.all === '1'));
  });

  app.post('/batches/:id', { config: manage, schema: { params: IdParams, querystring: NoQuery, body: EditBatchForm } }, async (request, reply) => {
    const batch = await loadBatch(request.params.id);
    const values = { ...batchEditForm.read(request.body), version: Number(request.body.version) };
    try {
      await updateBatch(db, { userId: request.user!.id }, batch.id, values, values.version);
      request.session.flash = `Saved batch “${values.name}”.`;
      return reply.seeOther(`/batches/${batch.id}`);
    } catch (error) {
      if (error instanceof ConflictError) {
        const current = await loadBatch(request.params.id);
        return batchPage(request, reply, current, { values: { ...values, version: current.version }, errors: { form: error.message }, conflict: true }, 409);
      }
      if (!(error instanceof ValidationError)) throw error;
      return batchPage(request, reply, batch, { values, errors: error.fieldErrors }, 422);
    }
  });

  app.post('/batches/:id/delete', { config: manage, schema: { params: IdParams, querystring: NoQuery, body: Form({ confirm: Text(10) }) } }, async (request, reply) => {
    const batch = await loadBatch(request.params.id);
    if (request.body.confirm !== '1') {
      return batchPage(request, reply, batch, { values: { name: batch.name, notes: batch.notes, version: batch.version }, errors: { confirm: 'Tick the box to confirm. The items stay as they are.' } }, 422);
    }
    const name = await deleteBatch(db, { userId: request.user!.id }, batch.id);
    request.session.flash = `Batch “${name}” deleted; its items are unchanged.`;
    return reply.seeOther('/batches');
  });

  app.post('/batches/:id/items/:itemId/remove', { config: manage, schema: { params: ItemParams, querystring: NoQuery, body: EmptyForm } }, async (request, reply) => {
    const batch = await loadBatch(request.params.id);
    await removeFromBatch(db, { userId: request.user!.id }, batch.id, Number(request.params.itemId));
    request.session.flash = 'The item left the batch.';
    return reply.seeOther(`/batches/${batch.id}#items`);
  });
}
