import { lineItemWorkflow } from '../line-items/subject.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import QRCode from 'qrcode';
import { Type } from 'typebox';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formText } from '../platform/forms.js';
import { unreachableLinksWarning } from '../platform/public-address.js';
import { EmptyForm, Form, Id, IdParams, NoQuery, Text, Version } from '../platform/schemas.js';
import { startEnrolment } from './devices.js';
import {
  createKiosk,
  defaultKioskQueues,
  deleteKiosk,
  findKiosk,
  kioskForm,
  kioskFormValues,
  kioskInputOf,
  listDevices,
  listKiosks,
  revokeDevice,
  updateKiosk,
  type KioskFormValues,
  type KioskSummary,
} from './kiosks.js';

const manageKiosks = { access: 'kiosks:manage' } as const;
const NewKioskForm = kioskForm.schema();
const EditKioskForm = kioskForm.schema({ version: Version });
const kioskRoute = { config: manageKiosks, schema: { params: IdParams, querystring: NoQuery } } as const;

export async function kioskAdminRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  async function formChoices() {
    const workflow = await app.workflows.get(lineItemWorkflow);
    const machines = await db.selectFrom('machines').select(['id', 'name', 'active']).orderBy('name').execute();
    return {
      kioskForm,
      options: {
        queueKeys: workflow.queues.map((queue) => ({ value: queue.key, label: queue.label })),
        machineIds: machines.map((machine) => ({ value: String(machine.id), label: machine.active ? machine.name : `${machine.name} (retired)`, retired: !machine.active })),
      },
      noMachines: machines.length === 0,
    };
  }

  async function listPage(reply: FastifyReply, values: KioskFormValues, errors: FieldErrors, statusCode = 200) {
    return reply.page('admin/kiosks', { title: 'Kiosks', kiosks: await listKiosks(db), values, errors, ...(await formChoices()) }, statusCode);
  }

  async function editPage(reply: FastifyReply, kiosk: KioskSummary, values: KioskFormValues & { version: number }, errors: FieldErrors, statusCode = 200, extra: Record<string, unknown> = {}) {
    return reply.page(
      'admin/kiosk-edit',
      { title: `Kiosk: ${kiosk.name}`, kiosk, values, errors, devices: await listDevices(db, kiosk.id), ...(await formChoices()), ...extra },
      statusCode,
    );
  }

  async function loadKiosk(request: { params: { id: string } }) {
    const kiosk = await findKiosk(db, Number(request.params.id));
    if (!kiosk) throw new HttpError(404, 'There is no such kiosk.');
    return kiosk;
  }

  app.get('/admin/kiosks', { config: manageKiosks, schema: { querystring: NoQuery } }, async (_request, reply) => {
    return listPage(reply, kioskForm.blank({ queueKeys: defaultKioskQueues, idleSeconds: '90' }), {});
  });

  app.post('/admin/kiosks', { config: manageKiosks, schema: { querystring: NoQuery, body: NewKioskForm } }, async (request, reply) => {
    const values = kioskForm.read(request.body);
    try {
      const kioskId = await createKiosk(db, { userId: request.user!.id }, await app.workflows.get(lineItemWorkflow), kioskInputOf(values));
      request.session.flash = `Kiosk “${values.name}” created. Enrol its tablet below.`;
      return reply.seeOther(`/admin/kiosks/${kioskId}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return listPage(reply, values, error.fieldErrors, 422);
    }
  });

  app.get('/admin/kiosks/:id', kioskRoute, async (request, reply) => {
    const kiosk = await loadKiosk(request);
    return editPage(reply, kiosk, { ...kioskFormValues(kiosk), version: kiosk.version }, {});
  });

  app.post('/admin/kiosks/:id', { ...kioskRoute, schema: { ...kioskRoute.schema, body: EditKioskForm } }, async (request, reply) => {
    const kiosk = await loadKiosk(request);
    const values = { ...kioskForm.read(request.body), version: Number(request.body.version) };
    try {
      await updateKiosk(db, { userId: request.user!.id }, await app.workflows.get(lineItemWorkflow), kiosk.id, kioskInputOf(values), values.version);
      request.session.flash = `Saved kiosk “${values.name}”.`;
      return reply.seeOther(`/admin/kiosks/${kiosk.id}`);
    } catch (error) {
      if (error instanceof ConflictError) {
        const current = (await findKiosk(db, kiosk.id))!;
        return editPage(reply, current, { ...values, version: current.version }, { form: error.message }, 409, { conflict: true });
      }
      if (!(error instanceof ValidationError)) throw error;
      return editPage(reply, kiosk, values, error.fieldErrors, 422);
    }
  });

  app.post('/admin/kiosks/:id/delete', { ...kioskRoute, schema: { ...kioskRoute.schema, body: Form({ confirm: Text(10) }) } }, async (request, reply) => {
    const kiosk = await loadKiosk(request);
    if (formText(request.body, 'confirm') !== '1') {
      return editPage(reply, kiosk, { ...kioskFormValues(kiosk), version: kiosk.version }, { confirm: 'Tick the box to confirm: its tablets stop working until enrolled elsewhere.' }, 422);
    }
    await deleteKiosk(db, { userId: request.user!.id }, kiosk.id);
    request.session.flash = `Kiosk “${kiosk.name}” removed; its tablets are signed out.`;
    return reply.seeOther('/admin/kiosks');
  });

  app.post('/admin/kiosks/:id/enrolments', { ...kioskRoute, schema: { ...kioskRoute.schema, body: EmptyForm } }, async (request, reply) => {
    const kiosk = await loadKiosk(request);
    const enrolment = await startEnrolment(db, { userId: request.user!.id }, kiosk.id);
    const link = `${app.config.baseUrl}/kiosk/enrol/${enrolment.linkToken}`;
    const qrSvg = await QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    reply.header('cache-control', 'no-store');
    const linksWarning = unreachableLinksWarning(app.config.baseUrl, request.hostname);
    return editPage(reply, kiosk, { ...kioskFormValues(kiosk), version: kiosk.version }, {}, 200, { enrolment: { code: enrolment.code, link, expiresAt: enrolment.expiresAt, qrSvg }, linksWarning });
  });

  app.post(
    '/admin/kiosks/:id/devices/:deviceId/revoke',
    { config: manageKiosks, schema: { params: Type.Object({ id: Id, deviceId: Id }), querystring: NoQuery, body: EmptyForm } },
    async (request, reply) => {
    const kiosk = await loadKiosk(request);
    const deviceId = Number(request.params.deviceId);
    await revokeDevice(db, { userId: request.user!.id }, kiosk.id, deviceId);
    request.session.flash = 'That tablet is signed out of the kiosk. Enrol it again to use it.';
    return reply.seeOther(`/admin/kiosks/${kiosk.id}`);
    },
  );
}
