import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { listCatalog } from '../catalog/catalog.js';
import { lineItemWorkflow } from '../line-items/subject.js';
import { addDays } from '../monitoring/working-calendar.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formText, isHtmx } from '../platform/forms.js';
import * as fmt from '../platform/format.js';
import { can } from '../platform/permissions.js';
import { CalendarDateOrEmpty, IdParams, OneOf, Query, Text, Version } from '../platform/schemas.js';
import { QueuePageCache } from '../workflow/queue-page-cache.js';
import { renderView } from '../platform/views.js';
import { assembleBoard, boardLengths, boardMachines, boardParts, machinePlan, type BoardParts } from './board.js';
import { itemPlan, planForm, plannedMessage, planItem, plansSeq, unplanItem, type ItemPlan, type PlanValues } from './plan.js';

const Days = OneOf(boardLengths.map(String) as ['7', '14', '28']);
const BoardQuery = Query({ from: CalendarDateOrEmpty, days: Days });
const MachineParams = Type.Object({ machine: Type.String({ pattern: '^(none|[1-9][0-9]{0,8})$' }) });
const PlanForm = planForm.schema({ version: Version, action: Text(20), from: CalendarDateOrEmpty, days: Text(10) });

/** The Monday of the week `day` is in: boards start on a week. */
function weekOf(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay() || 7;
  return addDays(day, 1 - weekday);
}

function boardWindow(query: { from?: string; days?: string }) {
  // A board's days and its earlier and later links stay within the calendar PostgreSQL keeps.
  if (query.from && (query.from < '0001-02-01' || query.from > '9999-11-30')) throw new HttpError(400, 'Choose a day between the years 1 and 9999.');
  const days = Number(query.days ?? 14);
  return { from: query.from || weekOf(fmt.today()), days: (boardLengths as readonly number[]).includes(days) ? days : 14 };
}

const boardUrl = (window: { from: string; days: number }) => `/planning?from=${window.from}&days=${window.days}`;

export async function planningRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;
  const view = { access: 'planning:view' } as const;
  const manage = { access: 'planning:manage' } as const;

  const calendar = async () => (await app.shopClock.get()).calendar;

  // Boards recently read, reused while the plans stay the same (for up to 5 s: an item planned
  // on them may move on through the workflow meanwhile, and the items to plan change).
  const boards = new QueuePageCache(50, 5000);

  // The board's HTML, kept with the parts it was drawn from, for each way it can look (a planner's
  // bars are draggable; machines renamed or given other hours). A notice is drawn afresh.
  const drawn = new WeakMap<BoardParts, Map<string, string>>();

  /** The board as it is now, and the parts it is drawn from (reused while the plans stay the same). */
  async function boardInputs(window: { from: string; days: number }) {
    const [workflow, shopCalendar, seq, machines] = await Promise.all([app.workflows.get(lineItemWorkflow), calendar(), plansSeq(db), boardMachines(db)]);
    const to = addDays(window.from, window.days - 1);
    const parts = await boards.read('planning', [], { from: window.from, to, revision: workflow.revision }, fmt.today(), seq, () => boardParts(db, workflow, shopCalendar, window.from, to));
    return { parts, machines, shopCalendar };
  }

  function regionData(request: FastifyRequest, window: { from: string; days: number }, inputs: Awaited<ReturnType<typeof boardInputs>>, notice: { message?: string; error?: string } = {}) {
    const board = assembleBoard(inputs.machines, inputs.parts, inputs.shopCalendar, window.from, window.days);
    const defaultWindow = window.days === 14 && window.from === weekOf(fmt.today());
    return { board, canPlan: can(request.user!.roles, 'planning:manage'), boardLengths, notice, boardUrl: boardUrl(window), defaultWindow };
  }

  const boardData = async (request: FastifyRequest, window: { from: string; days: number }, notice: { message?: string; error?: string } = {}) => regionData(request, window, await boardInputs(window), notice);

  app.get('/planning', { config: view, schema: { querystring: BoardQuery } }, async (request, reply) => {
    const window = boardWindow(request.query);
    const inputs = await boardInputs(window);
    const canPlan = can(request.user!.roles, 'planning:manage');
    const key = JSON.stringify([canPlan, fmt.today(), inputs.machines]);
    let looks = drawn.get(inputs.parts);
    if (!looks) drawn.set(inputs.parts, (looks = new Map()));
    let boardHtml = looks.get(key);
    if (boardHtml === undefined) looks.set(key, (boardHtml = renderView('planning/board-region', regionData(request, window, inputs))));
    return reply.page('planning/board', { title: 'Planning', canPlan, boardHtml });
  });

  app.get('/planning/machines/:machine', { config: view, schema: { params: MachineParams, querystring: BoardQuery } }, async (request, reply) => {
    const window = boardWindow(request.query);
    const machineId = request.params.machine === 'none' ? null : Number(request.params.machine);
    const plan = await machinePlan(db, await app.workflows.get(lineItemWorkflow), await calendar(), machineId, window.from, window.days);
    if (!plan) throw new HttpError(404, 'There is no such machine.');
    return reply.page('planning/machine', { title: `Plan: ${plan.machine.name}`, plan, boardUrl: boardUrl(window), canPlan: can(request.user!.roles, 'planning:manage'), window });
  });

  async function machineOptions(item?: ItemPlan) {
    const machines = await listCatalog(db, 'machines');
    return { machineId: machines.filter((m) => m.active || m.id === item?.machineId).map((m) => ({ value: String(m.id), label: m.active ? m.name : `${m.name} (retired)` })) };
  }

  async function formPage(request: FastifyRequest, reply: FastifyReply, itemId: number, window: { from: string; days: number }, shown?: { values: PlanValues; errors: FieldErrors; version?: number }, statusCode = 200) {
    const item = await itemPlan(db, itemId);
    if (!item) throw new HttpError(404, 'That item does not exist.');
    const values = shown?.values ?? { machineId: item.machineId === null ? '' : String(item.machineId), start: item.start ?? window.from, end: item.end ?? item.start ?? window.from };
    return reply.page(
      'planning/item',
      { title: `Plan ${item.label}`, item, spec: planForm, values, errors: shown?.errors ?? {}, version: shown?.version ?? item.planVersion, options: await machineOptions(item), window, boardUrl: boardUrl(window), canPlan: can(request.user!.roles, 'planning:manage') },
      statusCode,
    );
  }

  app.get('/planning/items/:id', { config: view, schema: { params: IdParams, querystring: BoardQuery } }, async (request, reply) =>
    formPage(request, reply, Number(request.params.id), boardWindow(request.query)),
  );

  app.post('/planning/items/:id', { config: manage, schema: { params: IdParams, querystring: Query({}), body: PlanForm } }, async (request, reply) => {
    const itemId = Number(request.params.id);
    const body = request.body;
    const window = boardWindow({ from: formText(body, 'from'), days: formText(body, 'days') });
    const version = Number(body.version);
    const actor = { userId: request.user!.id };
    const clearing = formText(body, 'action') === 'clear';
    // A bar dropped on a day sends its new start alone: the plan keeps its length.
    const values = { machineId: formText(body, 'machineId'), start: formText(body, 'start'), end: formText(body, 'end') };
    const change = { machineId: values.machineId, start: values.start, ...(body.end === undefined ? {} : { end: values.end }) };
    try {
      const message = clearing
        ? `${(await unplanItem(db, actor, itemId, version)).label} is off the plan.`
        : plannedMessage(await planItem(db, actor, await calendar(), itemId, version, change));
      if (isHtmx(request)) return reply.fragment('planning/board-region', await boardData(request, window, { message }));
      request.session.flash = message;
      return reply.seeOther(boardUrl(window));
    } catch (error) {
      const refused = error instanceof ValidationError || (error instanceof HttpError && error.statusCode < 500 && error.statusCode !== 404);
      if (!refused) throw error;
      const status = error instanceof ValidationError ? 422 : (error as HttpError).statusCode;
      const errors = error instanceof ValidationError ? error.fieldErrors : { form: error.message };
      if (isHtmx(request)) return reply.fragment('planning/board-region', await boardData(request, window, { error: Object.values(errors).join(' ') }), status);
      // After a conflict the form shows the plan as it is now, with what the planner typed kept.
      const current = error instanceof ConflictError ? (await itemPlan(db, itemId))?.planVersion : version;
      return formPage(request, reply, itemId, window, { values: { ...values, end: values.end }, errors, version: current }, status);
    }
  });
}
