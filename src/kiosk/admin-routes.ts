import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formList, formText } from '../platform/forms.js';
import { startEnrolment } from './devices.js';
import { createKiosk, defaultKioskQueues, deleteKiosk, findKiosk, listDevices, listKiosks, revokeDevice, updateKiosk, type KioskInput, type KioskSummary } from './kiosks.js';

const manageKiosks = { config: { access: 'kiosks:manage' } } as const;

function parseId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new HttpError(404);
  return id;
}

function kioskInput(body: unknown): KioskInput {
  const idle = formText(body, 'idleSeconds');
  return {
    name: formText(body, 'name'),
    queueKeys: formList(body, 'queueKeys'),
    machineIds: formList(body, 'machineIds').map(Number).filter((id) => Number.isSafeInteger(id)),
    idleSeconds: idle === '' ? Number.NaN : Number(idle),
  };
}

export async function kioskAdminRoutes(app: FastifyInstance) {
  const { db } = app;

  async function formChoices() {
    const workflow = await app.workflow.get();
    const machines = await db.selectFrom('machines').select(['id', 'name', 'active']).orderBy('name').execute();
    return { queues: workflow.queues, machines };
  }

  async function listPage(reply: FastifyReply, values: KioskInput & { idleText?: string }, errors: FieldErrors, statusCode = 200) {
    return reply.page('admin/kiosks', { title: 'Kiosks', kiosks: await listKiosks(db), values, errors, ...(await formChoices()) }, statusCode);
  }

  async function editPage(reply: FastifyReply, kiosk: KioskSummary, values: KioskInput & { version: number }, errors: FieldErrors, statusCode = 200, extra: Record<string, unknown> = {}) {
    return reply.page(
      'admin/kiosk-edit',
      { title: `Kiosk: ${kiosk.name}`, kiosk, values, errors, devices: await listDevices(db, kiosk.id), ...(await formChoices()), ...extra },
      statusCode,
    );
  }

  async function loadKiosk(request: FastifyRequest) {
    const kiosk = await findKiosk(db, parseId((request.params as { id: string }).id));
    if (!kiosk) throw new HttpError(404, 'There is no such kiosk.');
    return kiosk;
  }

  app.get('/admin/kiosks', manageKiosks, async (_request, reply) => {
    return listPage(reply, { name: '', queueKeys: defaultKioskQueues, machineIds: [], idleSeconds: 90 }, {});
  });

  app.post('/admin/kiosks', manageKiosks, async (request, reply) => {
    const values = kioskInput(request.body);
    try {
      const kioskId = await createKiosk(db, { userId: request.user!.id }, await app.workflow.get(), values);
      request.session.flash = `Kiosk “${values.name}” created. Enrol its tablet below.`;
      return reply.redirect(`/admin/kiosks/${kioskId}`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return listPage(reply, values, error.fieldErrors, 422);
    }
  });

  app.get('/admin/kiosks/:id', manageKiosks, async (request, reply) => {
    const kiosk = await loadKiosk(request);
    return editPage(reply, kiosk, { ...kiosk }, {});
  });

  app.post('/admin/kiosks/:id', manageKiosks, async (request, reply) => {
    const kiosk = await loadKiosk(request);
    const values = { ...kioskInput(request.body), version: Number(formText(request.body, 'version')) };
    try {
      await updateKiosk(db, { userId: request.user!.id }, await app.workflow.get(), kiosk.id, values, values.version);
      request.session.flash = `Saved kiosk “${values.name}”.`;
      return reply.redirect(`/admin/kiosks/${kiosk.id}`, 303);
    } catch (error) {
      if (error instanceof ConflictError) {
        const current = (await findKiosk(db, kiosk.id))!;
        return editPage(reply, current, { ...values, version: current.version }, { form: error.message }, 409, { conflict: true });
      }
      if (!(error instanceof ValidationError)) throw error;
      return editPage(reply, kiosk, values, error.fieldErrors, 422);
    }
  });

  app.post('/admin/kiosks/:id/delete', manageKiosks, async (request, reply) => {
    const kiosk = await loadKiosk(request);
    if (formText(request.body, 'confirm') !== '1') {
      return editPage(reply, kiosk, { ...kiosk }, { confirm: 'Tick the box to confirm: its tablets stop working until enrolled elsewhere.' }, 422);
    }
    await deleteKiosk(db, { userId: request.user!.id }, kiosk.id);
    request.session.flash = `Kiosk “${kiosk.name}” removed; its tablets are signed out.`;
    return reply.redirect('/admin/kiosks', 303);
  });

  app.post('/admin/kiosks/:id/enrolments', manageKiosks, async (request, reply) => {
    const kiosk = await loadKiosk(request);
    const enrolment = await startEnrolment(db, { userId: request.user!.id }, kiosk.id);
    const link = `${app.config.baseUrl}/kiosk/enrol/${enrolment.linkToken}`;
    const qrSvg = await QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    reply.header('cache-control', 'no-store');
    return editPage(reply, kiosk, { ...kiosk }, {}, 200, { enrolment: { code: enrolment.code, link, expiresAt: enrolment.expiresAt, qrSvg } });
  });

  app.post('/admin/kiosks/:id/devices/:deviceId/revoke', manageKiosks, async (request, reply) => {
    const kiosk = await loadKiosk(request);
    const deviceId = parseId((request.params as { deviceId: string }).deviceId);
    await revokeDevice(db, { userId: request.user!.id }, kiosk.id, deviceId);
    request.session.flash = 'That tablet is signed out of the kiosk. Enrol it again to use it.';
    return reply.redirect(`/admin/kiosks/${kiosk.id}`, 303);
  });
}
