import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { listRoles } from '../accounts/users.js';
import { eventsWithActors } from '../events/history.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formText } from '../platform/forms.js';
import { Form, Id, NoQuery, Text, Version } from '../platform/schemas.js';
import type { Status, Workflow } from '../workflow/definition.js';
import { workflowDiagram } from './diagram.js';
import {
  addQueue,
  addStatus,
  addTransition,
  blankQueueInput,
  blankStatusInput,
  blankTransitionInput,
  changeQueue,
  changeStatus,
  changeTransition,
  deleteQueue,
  deleteStatus,
  deleteTransition,
  listWorkflows,
  queueInputOf,
  readWorkflow,
  statusInputOf,
  transitionInputOf,
  type EditResult,
  type NewQueueInput,
  type NewStatusInput,
  type QueueFields,
  type StatusFields,
  type TransitionInput,
} from './editor.js';
import { intentLabels, kindLabels, newQueueForm, newStatusForm, queueForm, queueOptions, statusForm, statusOptions, transitionForm, transitionOptions, waitsOnLabels } from './forms.js';
import { subjectType } from '../workflow/subjects.js';
import { queueCounts } from '../workflow/queue-changes.js';

const manageWorkflows = { access: 'workflows:manage' } as const;
const Key = Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' });
const WorkflowParams = Type.Object({ workflow: Key });
const StatusParams = Type.Object({ workflow: Key, status: Key });
const QueueParams = Type.Object({ workflow: Key, queue: Key });
const TransitionParams = Type.Object({ workflow: Key, id: Id });

// The status forms' labels name what the workflow moves (an item); their fields, and so the body
// schemas and the reading, are the same for every workflow.
const newStatusSpec = newStatusForm('item');
const statusSpec = statusForm('item');
const NewStatusForm = newStatusSpec.schema({ revision: Version });
const EditStatusForm = statusSpec.schema({ revision: Version });
const TransitionForm = transitionForm.schema({ revision: Version });
const NewQueueForm = newQueueForm.schema({ revision: Version });
const EditQueueForm = queueForm.schema({ revision: Version });
const DeleteForm = Form({ revision: Version, confirm: Text(10) });

const actionLabels: Record<string, string> = {
  'status-added': 'added the status',
  'status-changed': 'changed the status',
  'status-deleted': 'deleted the status',
  'transition-added': 'added the move',
  'transition-changed': 'changed the move',
  'transition-deleted': 'removed the move',
  'queue-added': 'added the queue',
  'queue-changed': 'changed the queue',
  'queue-deleted': 'deleted the queue',
};

interface WorkflowEvent {
  occurredAt: Date;
  actorName: string | null;
  actorVia: string | null;
  action: string;
  particulars: Record<string, unknown>;
}

/** "added the move “Start work” (Proof approval → Work in progress)". */
function describeChange(event: WorkflowEvent, workflow: Workflow): string {
  const snapshot = (event.particulars.after ?? event.particulars.before ?? {}) as Record<string, unknown>;
  const name = (key: unknown) => workflow.statuses.get(String(key))?.label ?? String(key);
  const label = String(snapshot.label ?? event.particulars.key ?? '');
  const between = snapshot.from !== undefined ? ` (${name(snapshot.from)} → ${name(snapshot.to)})` : snapshot.from_status !== undefined ? ` (${name(snapshot.from_status)} → ${name(snapshot.to_status)})` : '';
  return `${actionLabels[event.action] ?? event.action.replace(/-/g, ' ')} “${label}”${between}`;
}

interface FormState<Values> {
  values: Values;
  errors: FieldErrors;
  revision: number | string;
}

function submittedRevision(body: unknown): number {
  const revision = formText(body, 'revision');
  return revision === '' ? -1 : Number(revision);
}

/** "Items": what moves through a workflow, or its type's name when no module registered it. */
function subjectsCalled(type: string): string {
  try {
    const noun = subjectType(type).noun;
    return `${noun[0]!.toUpperCase()}${noun.slice(1)}s`;
  } catch {
    return type;
  }
}

const actorOf = (request: FastifyRequest) => ({ userId: request.user!.id });

export async function workflowAdminRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  async function workflowOr404(key: string) {
    const workflow = await readWorkflow(db, key);
    if (!workflow) throw new HttpError(404, 'There is no such workflow.');
    return workflow;
  }

  async function choices(workflow: Workflow) {
    const subject = subjectType(workflow.subjectType);
    return {
      roles: await listRoles(db),
      statuses: [...workflow.statuses.values()],
      customerEmails: subject.customerEmails,
      requirements: subject.requirements,
      noun: subject.noun,
    };
  }

  /** The forms' specs, worded for the workflow, and the lists their fields choose from. */
  function formsFor(workflow: Workflow, roles: { name: string; label: string }[]) {
    const subject = subjectType(workflow.subjectType);
    const roleOptions = roles.map((role) => ({ value: role.name, label: role.label }));
    return {
      specs: { newStatus: newStatusForm(subject.noun), status: statusForm(subject.noun), transition: transitionForm, newQueue: newQueueForm, queue: queueForm },
      fieldOptions: { status: statusOptions(workflow, subject, roleOptions), transition: transitionOptions(workflow, subject, roleOptions), queue: queueOptions(roleOptions) },
    };
  }

  /** Sends the admin back to the page, or shows the form again: 422 beside the fields, 409 with the current revision. */
  async function saveOrShowAgain(
    request: FastifyRequest,
    reply: FastifyReply,
    workflowKey: string,
    edit: () => Promise<EditResult>,
    showAgain: (errors: FieldErrors, statusCode: number, revision: number | undefined) => Promise<FastifyReply>,
    done: (result: EditResult) => { flash: string; to: string },
  ) {
    try {
      const result = await edit();
      app.workflows.forget(workflowKey);
      const { flash, to } = done(result);
      request.session.flash = flash;
      return reply.seeOther(to);
    } catch (error) {
      if (error instanceof ConflictError) return showAgain({ form: error.message }, 409, undefined);
      if (error instanceof ValidationError) return showAgain(error.fieldErrors, 422, submittedRevision(request.body));
      throw error;
    }
  }

  interface WorkflowPageForms {
    newStatus?: FormState<NewStatusInput>;
    newTransition?: FormState<TransitionInput>;
    newQueue?: FormState<NewQueueInput>;
    pageError?: string;
  }

  async function workflowPage(reply: FastifyReply, key: string, forms: WorkflowPageForms = {}, statusCode = 200) {
    const workflow = await workflowOr404(key);
    const fresh = <Values>(values: Values): FormState<Values> => ({ values, errors: {}, revision: workflow.revision });
    const events = await eventsWithActors(db).where('events.subject_type', '=', 'workflow').where('events.subject_id', '=', workflow.id).limit(12).execute();
    const changes = events.map((event) => ({ occurredAt: event.occurredAt, who: event.actorName ?? event.actorVia ?? 'Traveler', what: describeChange(event, workflow) }));
    const lists = await choices(workflow);
    return reply.page(
      'workflow-editor/show',
      {
        title: `Workflow: ${workflow.label}`,
        wide: true,
        workflow,
        diagram: workflowDiagram(workflow),
        choices: lists,
        ...formsFor(workflow, lists.roles),
        itemCounts: await queueCounts(db, key),
        changes,
        intentLabels,
        kindLabels,
        waitsOnLabels,
        newStatus: forms.newStatus ?? fresh(blankStatusInput(workflow)),
        newTransition: forms.newTransition ?? fresh(blankTransitionInput()),
        newQueue: forms.newQueue ?? fresh(blankQueueInput(workflow)),
        pageError: forms.pageError,
      },
      statusCode,
    );
  }

  /** The form state to show again: a conflict shows the current revision, so saving again is deliberate. */
  async function again<Values>(key: string, values: Values, errors: FieldErrors, revision: number | undefined): Promise<FormState<Values>> {
    return { values, errors, revision: revision ?? (await workflowOr404(key)).revision };
  }

  async function editPage(reply: FastifyReply, view: string, title: string, workflow: Workflow, data: Record<string, unknown>, statusCode = 200) {
    const lists = await choices(workflow);
    return reply.page(view, { title, workflow, choices: lists, ...formsFor(workflow, lists.roles), intentLabels, kindLabels, waitsOnLabels, conflict: statusCode === 409, ...data }, statusCode);
  }

  function statusOr404(workflow: Workflow, key: string): Status {
    const status = workflow.statuses.get(key);
    if (!status) throw new HttpError(404, 'There is no such status in this workflow.');
    return status;
  }

  app.get('/admin/workflows', { config: manageWorkflows, schema: { querystring: NoQuery } }, async (_request, reply) => {
    const workflows = (await listWorkflows(db)).map((workflow) => ({ ...workflow, subjects: subjectsCalled(workflow.subjectType) }));
    return reply.page('workflow-editor/index', { title: 'Workflows', workflows });
  });

  app.get('/admin/workflows/:workflow', { config: manageWorkflows, schema: { params: WorkflowParams, querystring: NoQuery } }, async (request, reply) => {
    return workflowPage(reply, request.params.workflow);
  });

  // Statuses

  app.post(
    '/admin/workflows/:workflow/statuses',
    { config: manageWorkflows, schema: { params: WorkflowParams, querystring: NoQuery, body: NewStatusForm } },
    async (request, reply) => {
      const key = request.params.workflow;
      await workflowOr404(key);
      const values = newStatusSpec.read(request.body);
      return saveOrShowAgain(
        request,
        reply,
        key,
        () => addStatus(db, actorOf(request), key, values, submittedRevision(request.body)),
        async (errors, statusCode, revision) => workflowPage(reply, key, { newStatus: await again(key, values, errors, revision) }, statusCode),
        (result) => ({ flash: `Added the status “${values.label}”.`, to: `/admin/workflows/${key}#status-${result.key}` }),
      );
    },
  );

  app.get('/admin/workflows/:workflow/statuses/:status', { config: manageWorkflows, schema: { params: StatusParams, querystring: NoQuery } }, async (request, reply) => {
    const workflow = await workflowOr404(request.params.workflow);
    const status = statusOr404(workflow, request.params.status);
    const form: FormState<StatusFields> = { values: statusInputOf(status), errors: {}, revision: workflow.revision };
    return editPage(reply, 'workflow-editor/status-edit', `Status: ${status.label}`, workflow, { status, form });
  });

  app.post(
    '/admin/workflows/:workflow/statuses/:status',
    { config: manageWorkflows, schema: { params: StatusParams, querystring: NoQuery, body: EditStatusForm } },
    async (request, reply) => {
      const key = request.params.workflow;
      const status = statusOr404(await workflowOr404(key), request.params.status);
      const values = statusSpec.read(request.body);
      return saveOrShowAgain(
        request,
        reply,
        key,
        () => changeStatus(db, actorOf(request), key, status.key, values, submittedRevision(request.body)),
        async (errors, statusCode, revision) => {
          const workflow = await workflowOr404(key);
          const current = statusOr404(workflow, status.key);
          return editPage(reply, 'workflow-editor/status-edit', `Status: ${current.label}`, workflow, { status: current, form: await again(key, values, errors, revision) }, statusCode);
        },
        () => ({ flash: `Saved the status “${values.label}”.`, to: `/admin/workflows/${key}#status-${status.key}` }),
      );
    },
  );

  app.post(
    '/admin/workflows/:workflow/statuses/:status/delete',
    { config: manageWorkflows, schema: { params: StatusParams, querystring: NoQuery, body: DeleteForm } },
    async (request, reply) => {
      const key = request.params.workflow;
      const workflow = await workflowOr404(key);
      const status = statusOr404(workflow, request.params.status);
      const showAgain = async (errors: FieldErrors, statusCode: number, revision: number | undefined) => {
        const now = await workflowOr404(key);
        const current = statusOr404(now, status.key);
        const form: FormState<StatusFields> = { values: statusInputOf(current), errors, revision: revision ?? now.revision };
        return editPage(reply, 'workflow-editor/status-edit', `Status: ${current.label}`, now, { status: current, form }, statusCode);
      };
      if (formText(request.body, 'confirm') !== '1') {
        return showAgain({ confirm: 'Tick the box to confirm: its moves go with it.' }, 422, submittedRevision(request.body));
      }
      return saveOrShowAgain(
        request,
        reply,
        key,
        () => deleteStatus(db, actorOf(request), key, status.key, submittedRevision(request.body)),
        showAgain,
        () => ({ flash: `Deleted the status “${status.label}” and its moves.`, to: `/admin/workflows/${key}#statuses` }),
      );
    },
  );

  // Transitions

  app.post(
    '/admin/workflows/:workflow/transitions',
    { config: manageWorkflows, schema: { params: WorkflowParams, querystring: NoQuery, body: TransitionForm } },
    async (request, reply) => {
      const key = request.params.workflow;
      await workflowOr404(key);
      const values = transitionForm.read(request.body);
      return saveOrShowAgain(
        request,
        reply,
        key,
        () => addTransition(db, actorOf(request), key, values, submittedRevision(request.body)),
        async (errors, statusCode, revision) => workflowPage(reply, key, { newTransition: await again(key, values, errors, revision) }, statusCode),
        (result) => ({ flash: `Added the move “${values.label}”.`, to: `/admin/workflows/${key}#transition-${result.key}` }),
      );
    },
  );

  function transitionOr404(workflow: Workflow, id: string) {
    const transition = workflow.transitions.find((t) => t.id === Number(id));
    if (!transition) throw new HttpError(404, 'There is no such move in this workflow.');
    return transition;
  }

  app.get('/admin/workflows/:workflow/transitions/:id', { config: manageWorkflows, schema: { params: TransitionParams, querystring: NoQuery } }, async (request, reply) => {
    const workflow = await workflowOr404(request.params.workflow);
    const transition = transitionOr404(workflow, request.params.id);
    const form: FormState<TransitionInput> = { values: transitionInputOf(transition), errors: {}, revision: workflow.revision };
    return editPage(reply, 'workflow-editor/transition-edit', `Move: ${transition.label}`, workflow, { transition, form });
  });

  app.post(
    '/admin/workflows/:workflow/transitions/:id',
    { config: manageWorkflows, schema: { params: TransitionParams, querystring: NoQuery, body: TransitionForm } },
    async (request, reply) => {
      const key = request.params.workflow;
      const transition = transitionOr404(await workflowOr404(key), request.params.id);
      const values = transitionForm.read(request.body);
      return saveOrShowAgain(
        request,
        reply,
        key,
        () => changeTransition(db, actorOf(request), key, transition.id, values, submittedRevision(request.body)),
        async (errors, statusCode, revision) => {
          const workflow = await workflowOr404(key);
          const current = transitionOr404(workflow, request.params.id);
          return editPage(reply, 'workflow-editor/transition-edit', `Move: ${current.label}`, workflow, { transition: current, form: await again(key, values, errors, revision) }, statusCode);
        },
        () => ({ flash: `Saved the move “${values.label}”.`, to: `/admin/workflows/${key}#transition-${transition.id}` }),
      );
    },
  );

  app.post(
    '/admin/workflows/:workflow/transitions/:id/delete',
    { config: manageWorkflows, schema: { params: TransitionParams, querystring: NoQuery, body: DeleteForm } },
    async (request, reply) => {
      const key = request.params.workflow;
      const workflow = await workflowOr404(key);
      const transition = transitionOr404(workflow, request.params.id);
      const from = workflow.statuses.get(transition.from)?.label ?? transition.from;
      const to = workflow.statuses.get(transition.to)?.label ?? transition.to;
      if (formText(request.body, 'confirm') !== '1') {
        const form: FormState<TransitionInput> = { values: transitionInputOf(transition), errors: { confirm: 'Tick the box to confirm.' }, revision: submittedRevision(request.body) ?? workflow.revision };
        return editPage(reply, 'workflow-editor/transition-edit', `Move: ${transition.label}`, workflow, { transition, form }, 422);
      }
      return saveOrShowAgain(
        request,
        reply,
        key,
        () => deleteTransition(db, actorOf(request), key, transition.id, submittedRevision(request.body)),
        (errors, statusCode) => workflowPage(reply, key, { pageError: `The move “${transition.label}” from “${from}” to “${to}” was not removed. ${Object.values(errors).join(' ')}` }, statusCode),
        () => ({ flash: `Removed the move “${transition.label}” from “${from}” to “${to}”.`, to: `/admin/workflows/${key}#transitions` }),
      );
    },
  );

  // Queues

  app.post(
    '/admin/workflows/:workflow/queues',
    { config: manageWorkflows, schema: { params: WorkflowParams, querystring: NoQuery, body: NewQueueForm } },
    async (request, reply) => {
      const key = request.params.workflow;
      await workflowOr404(key);
      const values = newQueueForm.read(request.body);
      return saveOrShowAgain(
        request,
        reply,
        key,
        () => addQueue(db, actorOf(request), key, values, submittedRevision(request.body)),
        async (errors, statusCode, revision) => workflowPage(reply, key, { newQueue: await again(key, values, errors, revision) }, statusCode),
        (result) => ({ flash: `Added the queue “${values.label}”. Give it a status to list.`, to: `/admin/workflows/${key}#queue-${result.key}` }),
      );
    },
  );

  function queueOr404(workflow: Workflow, key: string) {
    const queue = workflow.queues.find((q) => q.key === key);
    if (!queue) throw new HttpError(404, 'There is no such queue in this workflow.');
    return queue;
  }

  app.get('/admin/workflows/:workflow/queues/:queue', { config: manageWorkflows, schema: { params: QueueParams, querystring: NoQuery } }, async (request, reply) => {
    const workflow = await workflowOr404(request.params.workflow);
    const queue = queueOr404(workflow, request.params.queue);
    const form: FormState<QueueFields> = { values: queueInputOf(queue), errors: {}, revision: workflow.revision };
    return editPage(reply, 'workflow-editor/queue-edit', `Queue: ${queue.label}`, workflow, { queue, form });
  });

  app.post(
    '/admin/workflows/:workflow/queues/:queue',
    { config: manageWorkflows, schema: { params: QueueParams, querystring: NoQuery, body: EditQueueForm } },
    async (request, reply) => {
      const key = request.params.workflow;
      const queue = queueOr404(await workflowOr404(key), request.params.queue);
      const values = queueForm.read(request.body);
      return saveOrShowAgain(
        request,
        reply,
        key,
        () => changeQueue(db, actorOf(request), key, queue.key, values, submittedRevision(request.body)),
        async (errors, statusCode, revision) => {
          const workflow = await workflowOr404(key);
          const current = queueOr404(workflow, queue.key);
          return editPage(reply, 'workflow-editor/queue-edit', `Queue: ${current.label}`, workflow, { queue: current, form: await again(key, values, errors, revision) }, statusCode);
        },
        () => ({ flash: `Saved the queue “${values.label}”.`, to: `/admin/workflows/${key}#queue-${queue.key}` }),
      );
    },
  );

  app.post(
    '/admin/workflows/:workflow/queues/:queue/delete',
    { config: manageWorkflows, schema: { params: QueueParams, querystring: NoQuery, body: DeleteForm } },
    async (request, reply) => {
      const key = request.params.workflow;
      const queue = queueOr404(await workflowOr404(key), request.params.queue);
      return saveOrShowAgain(
        request,
        reply,
        key,
        () => deleteQueue(db, actorOf(request), key, queue.key, submittedRevision(request.body)),
        async (errors, statusCode, revision) => {
          const workflow = await workflowOr404(key);
          const current = queueOr404(workflow, queue.key);
          const form: FormState<QueueFields> = { values: queueInputOf(current), errors, revision: revision ?? workflow.revision };
          return editPage(reply, 'workflow-editor/queue-edit', `Queue: ${current.label}`, workflow, { queue: current, form }, statusCode);
        },
        () => ({ flash: `Deleted the queue “${queue.label}”.`, to: `/admin/workflows/${key}#queues` }),
      );
    },
  );
}
