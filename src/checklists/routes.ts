import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { listCatalog } from '../catalog/catalog.js';
import { itemExists } from '../line-items/queries.js';
import { photoMaxBytes } from '../line-items/photos.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formText, isHtmx } from '../platform/forms.js';
import { Form, Id, IdParams, isCanonicalId, isVersion, NoQuery, Text, Version } from '../platform/schemas.js';
import { CheckFields, checkRecordOf, checklistPageData } from './present.js';
import { recordCheck, recordedMessage, recordPhotoCheck, type CheckActor } from './item-checklist.js';
import {
  addStep,
  createTemplate,
  listTemplates,
  stepForm,
  stepOptions,
  stepValues,
  templateForm,
  templateWithSteps,
  updateStep,
  updateTemplate,
  appliesTo,
  limitsText,
  type StepValues,
  type TemplateValues,
} from './templates.js';

const CheckForm = Form(CheckFields);
const PhotoUploadBody = Type.Object(
  { _csrf: Type.Optional(Text(200)), step: Type.Optional(Text(20)), checkVersion: Type.Optional(Text(20)), photo: Type.Optional(Type.Any()) },
  { additionalProperties: false },
);
const StepParams = Type.Object({ id: Id, stepId: Id });
const TemplateEditForm = templateForm.schema({ version: Version, active: Text(10) });
const StepEditForm = stepForm.schema({ version: Version, active: Text(10) });

/** A form the person was filling in when it was refused: which one, what they typed, why. */
interface Shown<Values> {
  formId: string;
  values: Values;
  errors: FieldErrors;
  version?: number;
}

export async function checklistRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;
  const manage = { access: 'checklists:manage' } as const;

  // The fields and the photo are read before the route runs, so the CSRF check sees the form's token.
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: photoMaxBytes, files: 1, fields: 5, parts: 6 },
    async onFile(part: MultipartFile) {
      (part as unknown as { value: Buffer }).value = await part.toBuffer();
    },
  });

  const actorOf = (request: FastifyRequest): CheckActor => ({ userId: request.user!.id, kioskId: null, roles: request.user!.roles });

  /** The checklist region (htmx), or its page when the browser sent a plain form and it was refused. */
  async function checklistReply(request: FastifyRequest, reply: FastifyReply, itemId: number, shown: { stepId?: number; errors?: FieldErrors; values?: Record<string, string>; message?: string } = {}, statusCode = 200) {
    const data = await checklistPageData(db, request.user!.roles, itemId);
    if (!data) throw new HttpError(404, 'That item does not exist.');
    const checklist = { ...data, shown, base: `/items/${itemId}`, kiosk: false };
    if (isHtmx(request)) return reply.fragment('checklists/item-checklist', { checklist }, statusCode);
    return reply.page('checklists/page', { title: `Checklist of ${data.label}`, checklist }, statusCode);
  }

  app.get('/items/:id/checklist', { config: { access: 'orders:view' }, schema: { params: IdParams, querystring: NoQuery } }, async (request, reply) =>
    checklistReply(request, reply, Number(request.params.id)),
  );

  async function answer(request: FastifyRequest, reply: FastifyReply, itemId: number, stepId: number, values: Record<string, string>, act: () => Promise<string>) {
    try {
      const message = await act();
      if (!isHtmx(request)) {
        request.session.flash = message;
        return reply.seeOther(`/items/${itemId}#item-checklist`);
      }
      return checklistReply(request, reply, itemId, { message });
    } catch (error) {
      if (error instanceof ValidationError) return checklistReply(request, reply, itemId, { stepId, errors: error.fieldErrors, values }, 422);
      if (error instanceof HttpError && error.statusCode !== 404 && error.statusCode < 500) return checklistReply(request, reply, itemId, { stepId, errors: { form: error.message }, values }, error.statusCode);
      throw error;
    }
  }

  app.post('/items/:id/checks', { config: { access: 'checklists:record' }, schema: { params: IdParams, querystring: NoQuery, body: CheckForm } }, async (request, reply) => {
    const itemId = Number(request.params.id);
    if (!(await itemExists(db, itemId))) throw new HttpError(404, 'That item does not exist.');
    const body = request.body;
    if (!isCanonicalId(body.step ?? '') || !isVersion(body.checkVersion ?? '')) throw new HttpError(400, 'That form did not say which step it is for. Reload the page and try again.');
    const stepId = Number(body.step);
    const values = { value: formText(body, 'value'), note: formText(body, 'note'), reason: formText(body, 'reason') };
    return answer(request, reply, itemId, stepId, values, async () => {
      const record = checkRecordOf(body);
      return recordedMessage(await recordCheck(db, actorOf(request), itemId, stepId, Number(body.checkVersion), record));
    });
  });

  app.post('/items/:id/checks/photo', { config: { access: 'checklists:record' }, schema: { params: IdParams, querystring: NoQuery, body: PhotoUploadBody } }, async (request, reply) => {
    const itemId = Number(request.params.id);
    if (!(await itemExists(db, itemId))) throw new HttpError(404, 'That item does not exist.');
    const body = request.body;
    const step = body.step ?? '', version = body.checkVersion ?? '';
    if (!isCanonicalId(step) || !isVersion(version)) throw new HttpError(400, 'That photo did not say which step it is for. Reload the page and try again.');
    const photo = Buffer.isBuffer(body.photo) ? body.photo : Buffer.alloc(0);
    return answer(request, reply, itemId, Number(step), {}, async () => recordedMessage(await recordPhotoCheck(db, actorOf(request), itemId, Number(step), Number(version), photo)));
  });

  // Admin → Checklists: the templates and their steps.
  async function catalogOptions(current?: { machineId: number | null; materialId: number | null }) {
    const [machines, materials] = await Promise.all([listCatalog(db, 'machines'), listCatalog(db, 'materials')]);
    const options = (entries: typeof machines, keep: number | null | undefined) =>
      entries.filter((entry) => entry.active || entry.id === keep).map((entry) => ({ value: String(entry.id), label: entry.active ? entry.name : `${entry.name} (retired)` }));
    return { machineId: options(machines, current?.machineId), materialId: options(materials, current?.materialId) };
  }

  async function listPage(reply: FastifyReply, shown?: Shown<TemplateValues>, statusCode = 200) {
    const templates = await listTemplates(db);
    return reply.page('checklists/templates', { title: 'Checklists', templates, appliesTo, spec: templateForm, options: await catalogOptions(), shown }, statusCode);
  }

  app.get('/admin/checklists', { config: manage, schema: { querystring: NoQuery } }, async (_request, reply) => listPage(reply));

  app.post('/admin/checklists', { config: manage, schema: { querystring: NoQuery, body: templateForm.schema() } }, async (request, reply) => {
    const values = templateForm.read(request.body);
    try {
      const id = await createTemplate(db, { userId: request.user!.id }, values);
      request.session.flash = `Checklist “${values.name.trim()}” created: add its steps.`;
      return reply.seeOther(`/admin/checklists/${id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return listPage(reply, { formId: 'new', values, errors: error.fieldErrors }, 422);
    }
  });

  interface EditShown {
    template?: Shown<TemplateValues & { active: boolean }>;
    step?: Shown<StepValues & { active?: boolean }>;
  }

  async function editPage(reply: FastifyReply, id: number, shown: EditShown = {}, statusCode = 200) {
    const found = await templateWithSteps(db, id);
    if (!found) throw new HttpError(404, 'There is no such checklist.');
    const { template, steps } = found;
    return reply.page(
      'checklists/template',
      {
        title: template.name,
        template,
        steps,
        appliesTo,
        templateSpec: templateForm,
        stepSpec: stepForm,
        options: { ...(await catalogOptions(template)), ...stepOptions },
        stepValues,
        limitsText,
        newStep: stepForm.blank({ stage: 'inspection', kind: 'pass_fail', required: true, position: String(steps.filter((s) => s.active && s.stage === 'inspection').length + 1) }),
        shown,
      },
      statusCode,
    );
  }

  app.get('/admin/checklists/:id', { config: manage, schema: { params: IdParams, querystring: NoQuery } }, async (request, reply) => editPage(reply, Number(request.params.id)));

  app.post('/admin/checklists/:id', { config: manage, schema: { params: IdParams, querystring: NoQuery, body: TemplateEditForm } }, async (request, reply) => {
    const id = Number(request.params.id);
    const version = Number(request.body.version);
    const values = { ...templateForm.read(request.body), active: formText(request.body, 'active') === '1' };
    try {
      await updateTemplate(db, { userId: request.user!.id }, id, version, values);
      request.session.flash = `Saved “${values.name.trim()}”.`;
      return reply.seeOther(`/admin/checklists/${id}`);
    } catch (error) {
      if (error instanceof ValidationError) return editPage(reply, id, { template: { formId: 'template', values, errors: error.fieldErrors, version } }, 422);
      if (error instanceof ConflictError) return editPage(reply, id, { template: { formId: 'template', values, errors: { form: error.message } } }, 409);
      throw error;
    }
  });

  app.post('/admin/checklists/:id/steps', { config: manage, schema: { params: IdParams, querystring: NoQuery, body: stepForm.schema() } }, async (request, reply) => {
    const id = Number(request.params.id);
    const values = stepForm.read(request.body);
    try {
      await addStep(db, { userId: request.user!.id }, id, values);
      request.session.flash = `Step “${values.label.trim()}” added.`;
      return reply.seeOther(`/admin/checklists/${id}#steps`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return editPage(reply, id, { step: { formId: 'new', values, errors: error.fieldErrors } }, 422);
    }
  });

  app.post('/admin/checklists/:id/steps/:stepId', { config: manage, schema: { params: StepParams, querystring: NoQuery, body: StepEditForm } }, async (request, reply) => {
    const id = Number(request.params.id);
    const stepId = Number(request.params.stepId);
    const version = Number(request.body.version);
    const values = { ...stepForm.read(request.body), active: formText(request.body, 'active') === '1' };
    try {
      await updateStep(db, { userId: request.user!.id }, id, stepId, version, values);
      request.session.flash = values.active ? `Step “${values.label.trim()}” saved.` : `Step “${values.label.trim()}” retired: it no longer applies.`;
      return reply.seeOther(`/admin/checklists/${id}#steps`);
    } catch (error) {
      if (error instanceof ValidationError) return editPage(reply, id, { step: { formId: String(stepId), values, errors: error.fieldErrors, version } }, 422);
      if (error instanceof ConflictError) return editPage(reply, id, { step: { formId: String(stepId), values, errors: { form: error.message } } }, 409);
      throw error;
    }
  });
}
