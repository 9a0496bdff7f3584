import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { ReportFormat, ReportKind } from '../db/types.js';
import { lineItemWorkflow } from '../line-items/subject.js';
import { HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import * as fmt from '../platform/format.js';
import { Form, Id, IdOrEmpty, NoQuery, OneOf, Query, Text, Token } from '../platform/schemas.js';
import { parseQueueFilter, queueFilterFields } from '../production/queue-query.js';
import { exportByToken, exportFile, recentExports, requestExport, type ExportState } from './exports.js';
import { formatTypes, reportFile, reportFormats, reportHints, reportKinds, reportLabels, type ReportContext } from './make.js';
import { scopeSize, type ReportScope } from './scope.js';
import { DownloadSlots } from './download-slots.js';
import { poolOf } from '../db/database.js';

const scopeFields = { batch: IdOrEmpty, queue: Text(40), from: Text(30), to: Text(30), ...queueFilterFields };
const ReportParams = Type.Object({ report: OneOf(reportKinds), format: OneOf(reportFormats) });
const ReportQuery = Query(scopeFields);
const ReportsPageQuery = Query({ batch: Id, queue: Text(40) });
const ExportForm = Form({ report: Text(20), format: Text(10), ...scopeFields });
const ExportParams = Type.Object({ token: Token });
/** The longest period a report covers. */
const longestPeriodDays = 366 * 3;

/** What the reports page's form holds. */
interface ReportChoice {
  report: string;
  format: string;
  batch: string;
  queue: string;
  from: string;
  to: string;
}

export async function reportRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;
  const view = { access: 'orders:view' } as const;

  async function context(): Promise<ReportContext> {
    const [workflow, clock] = await Promise.all([app.workflows.get(lineItemWorkflow), app.shopClock.get()]);
    return { db, workflow, clock, now: new Date() };
  }

  /** The items a request names: a batch, a queue (with its filter), or a period; each problem is a message beside its field. */
  async function scopeOf(query: Record<string, string | undefined>): Promise<ReportScope> {
    if (query.batch) {
      const batch = await db.selectFrom('batches').select(['id', 'name']).where('id', '=', Number(query.batch)).executeTakeFirst();
      if (!batch) throw new HttpError(404, 'There is no such batch.');
      return { kind: 'batch', batchId: batch.id, name: `Batch “${batch.name}”` };
    }
    if (query.queue) {
      const workflow = await app.workflows.get(lineItemWorkflow);
      const queue = workflow.queues.find((candidate) => candidate.key === query.queue);
      if (!queue) throw new ValidationError({ queue: 'Choose a queue from the list.' });
      const { filter, errors } = parseQueueFilter(query);
      if (Object.keys(errors).length > 0) throw new HttpError(400, `The queue filter in that link cannot be used: ${Object.values(errors).join(' ')}`);
      const filtered = Object.keys(filter).some((key) => key !== 'sort' && filter[key as keyof typeof filter] !== undefined);
      return { kind: 'queue', statuses: queue.statuses, filter, today: fmt.today(), name: `Queue “${queue.label}”${filtered ? ' (filtered)' : ''}` };
    }
    const errors: FieldErrors = {};
    const from = query.from ?? '';
    const to = query.to ?? '';
    if (!fmt.isCalendarDate(from)) errors.from = from ? 'Enter a date like 2026-11-01.' : 'Choose a batch, a queue, or the first day of a period.';
    if (!fmt.isCalendarDate(to)) errors.to = to ? 'Enter a date like 2026-11-30.' : 'Enter the last day of the period.';
    if (!errors.from && !errors.to) {
      const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
      if (days < 0) errors.to = 'The last day must be on or after the first.';
      else if (days > longestPeriodDays) errors.to = 'Choose a period of at most three years.';
    }
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);
    return { kind: 'period', from, to, timeZone: app.config.shopTimezone, name: `${fmt.date(from)} to ${fmt.date(to)}` };
  }

  const fileName = (report: ReportKind, format: ReportFormat, scope: ReportScope) => {
    const about = scope.kind === 'batch' ? `batch-${scope.batchId}` : scope.kind === 'queue' ? `queue-${scope.statuses.length ? scope.name.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase().replace(/^-|-$/g, '') : 'items'}` : `${scope.from}-to-${scope.to}`;
    return `traveler-${report}-${about}-${fmt.today()}.${format}`;
  };

  const sendFile = (reply: FastifyReply, format: ReportFormat, name: string, body: NodeJS.ReadableStream) =>
    reply.header('content-type', formatTypes[format]).header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store').send(body);

  // A third of the pool's connections at most go to reports made while someone waits.
  const downloadSlots = new DownloadSlots(Math.max(1, Math.floor((poolOf(db).options.max ?? 10) / 3)));
  async function sendReport(reply: FastifyReply, report: ReportKind, format: ReportFormat, scope: ReportScope) {
    const release = await downloadSlots.take();
    if (!release) {
      reply.header('retry-after', '60');
      throw new HttpError(503, 'Several reports are being downloaded right now. Try again in a minute, or ask for this one in the background on the Reports page.');
    }
    reply.raw.once('close', release);
    try {
      return sendFile(reply, format, fileName(report, format, scope), await reportFile(await context(), report, format, scope));
    } catch (error) {
      release();
      throw error;
    }
  }

  async function reportsPage(reply: FastifyReply, userId: number, choice: ReportChoice, errors: FieldErrors, statusCode = 200) {
    const workflow = await app.workflows.get(lineItemWorkflow);
    const [batches, exports] = await Promise.all([
      db.selectFrom('batches').select(['id', 'name']).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(200).execute(),
      recentExports(db, userId),
    ]);
    return reply.page(
      'reports/index',
      {
        title: 'Reports',
        choice,
        errors,
        batches,
        queues: workflow.queues.map((queue) => ({ key: queue.key, label: queue.label })),
        reports: reportKinds.map((kind) => ({ value: kind, label: reportLabels[kind], hint: reportHints[kind] })),
        exports,
        threshold: app.reportExports.threshold,
      },
      statusCode,
    );
  }

  app.get('/reports', { config: view, schema: { querystring: ReportsPageQuery } }, async (request, reply) => {
    const today = fmt.today();
    const monthStart = `${today.slice(0, 8)}01`;
    return reportsPage(reply, request.user!.id, { report: 'items', format: 'xlsx', batch: request.query.batch ?? '', queue: request.query.queue ?? '', from: monthStart, to: today }, {});
  });

  // A report as a download while the person waits; one too big for that is offered in the background.
  app.get('/reports/:report.:format', { config: view, schema: { params: ReportParams, querystring: ReportQuery } }, async (request, reply) => {
    const { report, format } = request.params;
    let scope: ReportScope;
    try {
      scope = await scopeOf(request.query);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new HttpError(400, `That report link cannot be used: ${Object.values(error.fieldErrors).join(' ')}`);
    }
    const rows = report === 'summary' ? 0 : await scopeSize(db, scope, report);
    if (rows > app.reportExports.threshold) {
      return reply.page('reports/large', { title: reportLabels[report], report, format, rows, scope, query: request.query, label: reportLabels[report] });
    }
    return sendReport(reply, report, format, scope);
  });

  app.post('/reports/exports', { config: view, schema: { querystring: NoQuery, body: ExportForm } }, async (request, reply) => {
    const body: Record<string, string | undefined> = Object.fromEntries(Object.entries(request.body).map(([name, value]) => [name, typeof value === 'string' ? value : undefined]));
    const choice: ReportChoice = { report: body.report ?? '', format: body.format ?? '', batch: body.batch ?? '', queue: body.queue ?? '', from: body.from ?? '', to: body.to ?? '' };
    const report = reportKinds.find((kind) => kind === choice.report);
    const format = reportFormats.find((kind) => kind === choice.format);
    const errors: FieldErrors = {};
    if (!report) errors.report = 'Choose a report.';
    if (!format) errors.format = 'Choose CSV or Excel.';
    let scope: ReportScope | undefined;
    try {
      scope = await scopeOf(body);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      Object.assign(errors, error.fieldErrors);
    }
    if (!report || !format || !scope) return reportsPage(reply, request.user!.id, choice, errors, 422);
    const rows = report === 'summary' ? 0 : await scopeSize(db, scope, report);
    if (rows <= app.reportExports.threshold) {
      // Small enough to make at once: the person gets the file in answer to the form.
      return sendReport(reply, report, format, scope);
    }
    const token = await requestExport(db, request.user!.id, { report, format, scope, title: `${reportLabels[report]}: ${scope.name}`, fileName: fileName(report, format, scope), rowsExpected: rows });
    app.reportExports.nudge();
    return reply.seeOther(`/reports/exports/${token}`);
  });

  async function exportOf(userId: number, token: string, reply: FastifyReply): Promise<ExportState | undefined> {
    const found = await exportByToken(db, userId, token);
    if ('export' in found) return found.export;
    if (found.problem === 'unknown') throw new HttpError(404, 'There is no such report. Reports are only for the person who asked for them.');
    await reply.page('reports/expired', { title: 'Report expired' }, 410);
    return undefined;
  }

  app.get('/reports/exports/:token', { config: view, schema: { params: ExportParams, querystring: NoQuery } }, async (request, reply) => {
    const state = await exportOf(request.user!.id, request.params.token, reply);
    if (!state) return reply;
    return reply.page('reports/export', { title: state.title, state, token: request.params.token });
  });

  app.get('/reports/exports/:token/progress', { config: view, schema: { params: ExportParams, querystring: NoQuery } }, async (request, reply) => {
    const state = await exportOf(request.user!.id, request.params.token, reply);
    if (!state) return reply;
    return reply.fragment('reports/export-progress', { state, token: request.params.token });
  });

  app.get('/reports/exports/:token/file', { config: view, schema: { params: ExportParams, querystring: NoQuery } }, async (request, reply) => {
    const state = await exportOf(request.user!.id, request.params.token, reply);
    if (!state) return reply;
    if (state.status !== 'ready') throw new HttpError(409, 'This report is not ready yet. Its page shows how far it has got.');
    return sendFile(reply, state.format, state.fileName, exportFile(db, state.id));
  });

  app.get('/reports/exports', { config: view, schema: { querystring: NoQuery } }, async (_request, reply) => reply.seeOther('/reports'));

}
