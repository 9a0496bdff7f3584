import fastifyMultipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TProperties } from 'typebox';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formText, isHtmx } from '../platform/forms.js';
import { BigIdParams, Form, IdParams, isCanonicalId, isVersion, NoQuery, Query, Text, TokenParams, Version, WorkflowKey } from '../platform/schemas.js';
import * as fmt from '../platform/format.js';
import { renderHtml } from '../platform/views.js';
import { roleUsed, runActing } from '../platform/acting.js';
import { can } from '../platform/permissions.js';
import { CheckFields, checkRecordOf, checklistPageData } from '../checklists/present.js';
import { recordCheck, recordedMessage, recordPhotoCheck } from '../checklists/item-checklist.js';
import { fulfillmentMethods } from '../line-items/fulfillment.js';
import { lineItemWorkflow } from '../line-items/subject.js';
import { addItemNote, noteMaxLength } from '../production/item-notes.js';
import { attachPhoto, photoMaxBytes, sendPhoto } from '../line-items/photos.js';
import { itemExists } from '../line-items/queries.js';
import { itemRecord } from '../production/items.js';
import { stopWork } from '../production/work-logs.js';
import { builtChoices, canHold, canResume, canStartWork, holdItem, kioskActor, markItemBuilt, moveItem, otherMoves, resumeItem, startItemWork } from './actions.js';
import {
  deviceLabel,
  enrolDevice,
  findEnrolment,
  keepOperator,
  kioskCookie,
  kioskForCredential,
  kioskWorkers,
  noteDeviceSeen,
  sameToken,
  signInOperator,
  signOutOperator,
  type KioskContext,
} from './devices.js';
import { lookUpCode, stationItems } from './station.js';

declare module 'fastify' {
  interface FastifyRequest {
    kiosk: KioskContext | null;
  }
}

const kiosk = { access: 'kiosk' } as const;

/** What the tablet is told after an action: a message, a problem (in the toast, and beside its field), the note being typed. */
interface ActionAnswer {
  error?: string;
  message?: string;
  noteDraft?: string;
  fieldErrors?: FieldErrors;
  /** The checklist step the refused form was for, and what was typed in it. */
  check?: { stepId: number; values: Record<string, string> };
  /** A checklist step: the worker stays where they are on the item (the scan box is not sent again to take the focus). */
  keepPlace?: boolean;
}
/** The reasons a worker taps; a quality problem goes to the workflow's quality hold, if it has one. */
const holdReasons = [
  { reason: 'Quality problem', quality: true },
  { reason: 'Missing material', quality: false },
  { reason: 'Machine down', quality: false },
  { reason: 'Waiting for artwork or customer', quality: false },
];
const credentialLifetimeSeconds = 400 * 24 * 3600; // the longest browsers keep a cookie

/** Every kiosk form carries the tablet's anti-forgery token, unless htmx sends it as a header. */
const KioskForm = <Fields extends TProperties>(fields: Fields) => Form(fields, '_kiosk_csrf');
const ItemState = { version: Version, status: WorkflowKey };
const kioskPage = { config: kiosk, schema: { querystring: NoQuery } } as const;
const itemPage = { config: kiosk, schema: { params: IdParams, querystring: NoQuery } } as const;
const photoPage = { config: kiosk, schema: { params: BigIdParams, querystring: NoQuery } } as const;

/** A message for the person at the tablet, from what went wrong (never internals). */
function problemMessage(error: unknown): string | undefined {
  if (error instanceof ValidationError) return Object.values(error.fieldErrors).join(' ');
  if (error instanceof ConflictError) return error.message;
  if (error instanceof HttpError && error.statusCode < 500 && error.message) return error.message;
  return undefined;
}

export async function kioskRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;
  const { changeNumbers } = app;
  const secure = app.config.baseUrl.startsWith('https:');

  app.decorateRequest('kiosk', null);
  await app.register(fastifyMultipart, { limits: { fileSize: photoMaxBytes, files: 1, fields: 5 } });

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.access !== 'kiosk') return;
    const credential = request.cookies[kioskCookie];
    const kiosk = credential ? await kioskForCredential(db, credential, app.config.sessionSecret) : undefined;
    if (!kiosk) {
      if (credential) reply.clearCookie(kioskCookie, { path: '/kiosk' });
      if (isHtmx(request)) return reply.htmxRedirect('/kiosk/enrol', 401);
      return reply.seeOther('/kiosk/enrol');
    }
    request.kiosk = kiosk;
    if (Date.now() - kiosk.lastSeenAt.getTime() > 60_000) await noteDeviceSeen(db, kiosk.deviceId);
  });

  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.config.access !== 'kiosk' || request.method === 'GET' || request.method === 'HEAD') return;
    const given = request.headers['x-kiosk-csrf'];
    const token = typeof given === 'string' ? given : formText(request.body, '_kiosk_csrf');
    if (!sameToken(request.kiosk!.csrfToken, token)) throw new HttpError(403, 'This page is out of date. Reload it and try again.');
  });

  // What a worker does at a kiosk is done in their shop-floor role.
  app.addHook('preHandler', (request, _reply, done) => {
    const operator = request.kiosk?.operator;
    if (request.routeOptions.config.access !== 'kiosk' || !operator) return done();
    runActing(roleUsed(operator.roles, (role) => can([role], 'items:move')), done);
  });

  const kioskOf = (request: FastifyRequest) => request.kiosk!;

  function render(reply: FastifyReply, kiosk: KioskContext, view: string, data: Record<string, unknown>, statusCode = 200) {
    const html = renderHtml(view, { kiosk, operator: kiosk.operator, csrfToken: kiosk.csrfToken, holdReasons, fulfillmentMethods, noteMaxLength, ...data });
    return reply.code(statusCode).type('text/html; charset=utf-8').send(html);
  }

  /** The station queue, and (for the header) who can sign in here. */
  async function stationData(kiosk: KioskContext, withWorkers = true) {
    const workflow = await app.workflows.get(lineItemWorkflow);
    const [{ items, more }, workers, seen] = await Promise.all([stationItems(db, workflow, kiosk), withWorkers ? kioskWorkers(db) : [], stationChangeKey(kiosk)]);
    return { items, more, workers, seen, statuses: workflow.statuses, today: fmt.today() };
  }

  async function stationChangeKey(kiosk: KioskContext): Promise<string> {
    const numbers = await Promise.all(kiosk.queueKeys.map(async (key) => `${key}.${(await changeNumbers.get(lineItemWorkflow, key)) ?? 0}`));
    // The workflow's revision too: an admin's edit changes the buttons, not the queues' numbers.
    const { revision } = await app.workflows.get(lineItemWorkflow);
    return [`r${revision}`, ...numbers].join('-');
  }

  async function itemPanel(kiosk: KioskContext, itemId: number, extra: ActionAnswer = {}) {
    const workflow = await app.workflows.get(lineItemWorkflow);
    const record = await itemRecord(db, workflow, itemId, { clock: await app.shopClock.get(), history: await app.durations.lookup() });
    if (!record) return { missing: true as const, ...extra };
    const { item, worked } = record;
    const checklistData = await checklistPageData(db, kiosk.operator?.roles ?? [], itemId);
    const checklist = checklistData && { ...checklistData, kiosk: true, shown: extra.check ? { stepId: extra.check.stepId, values: extra.check.values, errors: extra.fieldErrors ?? {} } : {} };
    return {
      missing: false as const,
      ...record,
      checklist,
      working: kiosk.operator !== null && worked.some((w) => w.userId === kiosk.operator!.id && w.running),
      canStart: canStartWork(workflow, item.status),
      built: builtChoices(workflow, item.status),
      canHold: canHold(workflow, item.status),
      canResume: canResume(workflow, item.status),
      moves: kiosk.operator ? otherMoves(workflow, item.status, kiosk.operator.roles) : [],
      today: fmt.today(),
      ...extra,
    };
  }

  /** The answer to anything the worker did: the item, and the header and queue brought up to date. */
  async function afterAction(reply: FastifyReply, kiosk: KioskContext, itemId: number | undefined, extra: ActionAnswer = {}, statusCode = 200) {
    const [panel, station] = await Promise.all([itemId !== undefined ? itemPanel(kiosk, itemId, extra) : undefined, stationData(kiosk)]);
    return render(reply, kiosk, 'kiosk/after-action', { panel, ...station, message: extra.message, error: extra.error, keepPlace: extra.keepPlace }, statusCode);
  }

  app.get('/kiosk', kioskPage, async (request, reply) => {
    const kiosk = kioskOf(request);
    // Opening the page afresh starts from the station view, with nobody signed in.
    if (kiosk.operator) {
      await signOutOperator(db, kiosk);
      kiosk.operator = null;
    }
    return render(reply, kiosk, 'kiosk/home', { title: kiosk.kioskName, ...(await stationData(kiosk)) });
  });

  app.get('/kiosk/queue', { config: kiosk, schema: { querystring: Query({ seen: Text(2000) }) } }, async (request, reply) => {
    const kiosk = kioskOf(request);
    const { seen } = request.query;
    if (seen !== undefined && seen === (await stationChangeKey(kiosk))) return reply.code(204).send();
    return render(reply, kiosk, 'kiosk/station-queue', await stationData(kiosk, false));
  });

  app.get('/kiosk/find', { config: kiosk, schema: { querystring: Query({ code: Text(1000) }) } }, async (request, reply) => {
    const kiosk = kioskOf(request);
    const result = await lookUpCode(db, request.query.code ?? '');
    if (result.kind === 'item') return render(reply, kiosk, 'kiosk/found', { panel: await itemPanel(kiosk, result.itemId) });
    return render(reply, kiosk, 'kiosk/found', { choice: result.kind === 'order' ? result : undefined, scanError: result.kind === 'unknown' ? result.message : undefined });
  });

  app.get('/kiosk/items/:id', itemPage, async (request, reply) => {
    const kiosk = kioskOf(request);
    const panel = await itemPanel(kiosk, Number(request.params.id));
    return render(reply, kiosk, 'kiosk/item', { panel }, panel.missing ? 404 : 200);
  });

  app.get('/kiosk/panel', kioskPage, async (request, reply) => {
    return render(reply, kioskOf(request), 'kiosk/item', { panel: undefined });
  });

  app.get('/kiosk/sign-in', { config: kiosk, schema: { querystring: Query({ worker: Text(20), item: Text(20) }) } }, async (request, reply) => {
    const kiosk = kioskOf(request);
    const query = request.query;
    const workers = await kioskWorkers(db);
    const worker = workers.find((w) => String(w.id) === query.worker);
    return render(reply, kiosk, 'kiosk/sign-in', { worker, workers, itemId: isCanonicalId(query.item ?? '') ? query.item : '' });
  });

  app.get('/kiosk/sign-in/cancel', kioskPage, async (request, reply) => {
    return render(reply, kioskOf(request), 'kiosk/sign-in', { worker: undefined, workers: [], itemId: '', closed: true });
  });

  const pinRateLimit = { max: 10, timeWindow: '1 minute', keyGenerator: (request: FastifyRequest) => `kiosk-pin|${request.cookies[kioskCookie] ?? request.ip}` };
  app.post(
    '/kiosk/sign-in',
    { config: { ...kiosk, rateLimit: pinRateLimit }, schema: { querystring: NoQuery, body: KioskForm({ worker: Text(20), item: Text(20), pin: Text(100) }) } },
    async (request, reply) => {
    const kiosk = kioskOf(request);
    const workerId = Number(formText(request.body, 'worker'));
    const itemText = formText(request.body, 'item');
    const itemId = isCanonicalId(itemText) ? Number(itemText) : undefined;
    const workers = await kioskWorkers(db);
    const worker = workers.find((w) => w.id === workerId);
    // The PIN form swaps nothing itself (success updates several regions out of band), so a refusal comes back out of band too.
    if (!worker) return render(reply, kiosk, 'kiosk/sign-in', { worker: undefined, workers, itemId: itemText, error: 'Tap your name first.', oob: true }, 422);
    const check = await signInOperator(db, kiosk, worker.id, formText(request.body, 'pin'));
    if (check.outcome === 'accepted') {
      const signedIn = { ...kiosk, operator: (await kioskForCredential(db, request.cookies[kioskCookie]!, app.config.sessionSecret))?.operator ?? null };
      return afterAction(reply, signedIn, itemId, { message: `Hello ${worker.name}.` });
    }
    const error =
      check.outcome === 'locked'
        ? `Too many wrong PINs: ${worker.name} is locked out until ${fmt.dateTime(check.until)}. An admin can set a new PIN to unlock it.`
        : check.outcome === 'wrong'
          ? `That PIN is not right. ${check.triesLeft} ${check.triesLeft === 1 ? 'try' : 'tries'} left before a 15-minute lockout.`
          : `${worker.name} has no PIN yet. Ask an admin to set one.`;
    return render(reply, kiosk, 'kiosk/sign-in', { worker, workers, itemId: itemText, error, oob: true }, check.outcome === 'locked' ? 423 : 422);
    },
  );

  app.post('/kiosk/sign-out', { config: kiosk, schema: { querystring: NoQuery, body: KioskForm({}) } }, async (request, reply) => {
    const kiosk = kioskOf(request);
    await signOutOperator(db, kiosk);
    kiosk.operator = null;
    return render(reply, kiosk, 'kiosk/signed-out', { ...(await stationData(kiosk)) });
  });

  /** Every action on an item: needs someone signed in, keeps them signed in, answers with the item. */
  function itemAction(path: string, body: object, act: (request: FastifyRequest, kiosk: KioskContext, itemId: number) => Promise<string>) {
    app.post(`/kiosk/items/:id/${path}`, { config: kiosk, schema: { params: IdParams, querystring: NoQuery, body } }, async (request, reply) => {
      const kiosk = kioskOf(request);
      const itemId = Number(request.params.id);
      if (!(await itemExists(db, itemId))) return afterAction(reply, kiosk, itemId, { error: 'That item no longer exists.' }, 404);
      if (!kiosk.operator) {
        return afterAction(reply, kiosk, itemId, { error: 'Nobody is signed in at this kiosk any more. Tap your name and enter your PIN, then try again.', noteDraft: noteDraftOf(request) }, 401);
      }
      await keepOperator(db, kiosk);
      try {
        const message = await act(request, kiosk, itemId);
        return afterAction(reply, kiosk, itemId, { message, keepPlace: path.startsWith('checks') });
      } catch (error) {
        const message = problemMessage(error);
        if (message === undefined) throw error;
        const status = error instanceof ConflictError ? 409 : 422;
        const fieldErrors = error instanceof ValidationError ? error.fieldErrors : undefined;
        return afterAction(reply, kiosk, itemId, { error: message, noteDraft: noteDraftOf(request), fieldErrors, check: checkOf(request), keepPlace: path.startsWith('checks') }, status);
      }
    });
  }

  /** Which checklist step a form was for (a photo's is read from its multipart fields as it arrives). */
  const photoStep = new WeakMap<FastifyRequest, number>();
  const checkOf = (request: FastifyRequest) => {
    const step = request.isMultipart() ? photoStep.get(request) : isCanonicalId(formText(request.body, 'step')) ? Number(formText(request.body, 'step')) : undefined;
    if (step === undefined) return undefined;
    const values: Record<string, string> = request.isMultipart() ? {} : { value: formText(request.body, 'value'), note: formText(request.body, 'note'), reason: formText(request.body, 'reason') };
    return { stepId: step, values };
  };
  const noteDraftOf = (request: FastifyRequest) => (request.isMultipart() ? undefined : formText(request.body, 'note') || undefined);
  const versionOf = (request: FastifyRequest) => Number(formText(request.body, 'version'));
  const statusOf = (request: FastifyRequest) => formText(request.body, 'status');
  const actorOf = (kiosk: KioskContext) => kioskActor(kiosk, kiosk.operator!);
  const workflow = () => app.workflows.get(lineItemWorkflow);

  const StateForm = KioskForm(ItemState);
  itemAction('start', StateForm, async (request, kiosk, itemId) => {
    const moved = await startItemWork(db, await workflow(), actorOf(kiosk), itemId, statusOf(request), versionOf(request));
    return moved ? `Started: ${moved.label} is now in work, and your time is running.` : 'Started: your time is running.';
  });
  itemAction('pause', KioskForm({}), async (_request, kiosk, itemId) => {
    const minutes = await stopWork(db, actorOf(kiosk), itemId, 'paused');
    return `Paused after ${fmt.minutes(minutes)}. Tap Start to carry on.`;
  });
  itemAction('finish', KioskForm({}), async (_request, kiosk, itemId) => {
    const minutes = await stopWork(db, actorOf(kiosk), itemId, 'finished');
    return `Your work is finished: ${fmt.minutes(minutes)} this time.`;
  });
  itemAction('built', KioskForm({ ...ItemState, fulfillmentMethod: WorkflowKey }), async (request, kiosk, itemId) => {
    const outcome = await markItemBuilt(db, actorOf(kiosk), itemId, versionOf(request), formText(request.body, 'fulfillmentMethod'));
    if (outcome.mailQueued) app.mail.nudge();
    return `${outcome.label} is ${outcome.to.label}.`;
  });
  itemAction('hold', KioskForm({ ...ItemState, reason: Text(10_000), otherReason: Text(10_000), quality: Text(5) }), async (request, kiosk, itemId) => {
    const reason = formText(request.body, 'reason') || formText(request.body, 'otherReason');
    const quality = formText(request.body, 'quality') === 'yes';
    const outcome = await holdItem(db, actorOf(kiosk), itemId, versionOf(request), reason, { workflow: await app.workflows.get(lineItemWorkflow), quality });
    return `${outcome.label} is on hold: ${reason.trim()}.`;
  });
  itemAction('resume', StateForm, async (request, kiosk, itemId) => {
    const outcome = await resumeItem(db, actorOf(kiosk), itemId, versionOf(request));
    return `${outcome.label} is back in ${outcome.to.label}.`;
  });
  itemAction('move', KioskForm({ ...ItemState, to: WorkflowKey, reason: Text(10_000) }), async (request, kiosk, itemId) => {
    const outcome = await moveItem(db, actorOf(kiosk), itemId, versionOf(request), formText(request.body, 'to'), formText(request.body, 'reason'));
    if (outcome.mailQueued) app.mail.nudge();
    return `${outcome.label} is now ${outcome.to.label}.`;
  });
  itemAction('notes', KioskForm({ note: Text(20_000) }), async (request, kiosk, itemId) => {
    await addItemNote(db, actorOf(kiosk), itemId, formText(request.body, 'note'));
    return 'Note saved.';
  });
  // Multipart: the photo's bytes are read by the handler, not validated as a form.
  itemAction('photos', Type.Any({ description: 'multipart/form-data with one photo file' }), async (request, kiosk, itemId) => {
    if (!request.isMultipart()) throw new ValidationError({ photo: 'Take or choose a photo first.' });
    const upload = await uploadedPhoto(request);
    await attachPhoto(db, actorOf(kiosk), itemId, upload);
    return 'Photo attached.';
  });

  itemAction('checks', KioskForm(CheckFields), async (request, kiosk, itemId) => {
    // The route's schema (CheckFields) has checked the body; its fields are read as the form's text.
    const step = formText(request.body, 'step'), checkVersion = formText(request.body, 'checkVersion');
    if (!isCanonicalId(step) || !isVersion(checkVersion)) throw new ValidationError({ form: 'That button did not say which step it is for. Close the item and open it again.' });
    const outcome = await recordCheck(db, actorOf(kiosk), itemId, Number(step), Number(checkVersion), checkRecordOf(request.body));
    return recordedMessage(outcome);
  });
  itemAction('checks/photo', Type.Any({ description: 'multipart/form-data: step, checkVersion and one photo file' }), async (request, kiosk, itemId) => {
    if (!request.isMultipart()) throw new ValidationError({ photo: 'Take or choose a photo first.' });
    const { upload, fields } = await uploadedPhotoWithFields(request);
    const step = fields.step ?? '', version = fields.checkVersion ?? '';
    if (!isCanonicalId(step) || !isVersion(version)) throw new ValidationError({ photo: 'That photo did not say which step it is for. Close the item, open it again and retake the photo.' });
    photoStep.set(request, Number(step));
    return recordedMessage(await recordPhotoCheck(db, actorOf(kiosk), itemId, Number(step), Number(version), upload));
  });

  app.get('/kiosk/photos/:id', photoPage, async (request, reply) => sendPhoto(db, reply, Number(request.params.id), 'image'));
  app.get('/kiosk/photos/:id/thumbnail', photoPage, async (request, reply) => sendPhoto(db, reply, Number(request.params.id), 'thumbnail'));

  // Enrolment: public pages (the tablet has no credential yet), rate-limited against guessing.
  const enrolRateLimit = { max: 10, timeWindow: '5 minutes' };

  function giveCredential(reply: FastifyReply, credential: string) {
    reply.setCookie(kioskCookie, credential, { path: '/kiosk', httpOnly: true, sameSite: 'strict', secure, maxAge: credentialLifetimeSeconds });
  }

  app.get('/kiosk/enrol', { config: { access: 'public' }, schema: { querystring: NoQuery } }, async (_request, reply) => {
    return reply.page('kiosk/enrol', { title: 'Set up this tablet as a kiosk', values: { code: '' }, errors: {} });
  });

  app.post('/kiosk/enrol', { config: { access: 'public', rateLimit: enrolRateLimit }, schema: { querystring: NoQuery, body: Form({ code: Text(200) }) } }, async (request, reply) => {
    const code = formText(request.body, 'code');
    try {
      const { credential } = await enrolDevice(db, { code }, deviceLabel(request.headers['user-agent']), request.cookies[kioskCookie]);
      await request.session.regenerate();
      giveCredential(reply, credential);
      return reply.seeOther('/kiosk');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.page('kiosk/enrol', { title: 'Set up this tablet as a kiosk', values: { code }, errors: error.fieldErrors }, 422);
    }
  });

  app.get('/kiosk/enrol/:token', { config: { access: 'public' }, schema: { params: TokenParams, querystring: NoQuery } }, async (request, reply) => {
    const { token } = request.params;
    const enrolment = /^[A-Za-z0-9_-]{43}$/.test(token) ? await findEnrolment(db, { linkToken: token }) : undefined;
    return reply.page('kiosk/enrol-link', { title: 'Set up this tablet as a kiosk', token, kioskName: enrolment?.kioskName, errors: {} }, enrolment ? 200 : 410);
  });

  app.post('/kiosk/enrol/:token', { config: { access: 'public', rateLimit: enrolRateLimit }, schema: { params: TokenParams, querystring: NoQuery, body: Form({}) } }, async (request, reply) => {
    const { token } = request.params;
    try {
      const { credential } = await enrolDevice(db, { linkToken: token }, deviceLabel(request.headers['user-agent']), request.cookies[kioskCookie]);
      await request.session.regenerate();
      giveCredential(reply, credential);
      return reply.seeOther('/kiosk');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.page('kiosk/enrol-link', { title: 'Set up this tablet as a kiosk', token, kioskName: undefined, errors: error.fieldErrors }, 410);
    }
  });
}

/**
 * The photo's bytes from a multipart upload. A broken upload (a cut connection, a damaged
 * boundary) is a problem with what arrived, answered beside the photo button, not a server error.
 */
async function uploadedPhoto(request: FastifyRequest): Promise<Buffer> {
  return (await uploadedPhotoWithFields(request)).upload;
}

/** The photo and the plain fields sent before it (a checklist step's id and version). */
async function uploadedPhotoWithFields(request: FastifyRequest): Promise<{ upload: Buffer; fields: Record<string, string> }> {
  const tooLarge = () => new ValidationError({ photo: `That photo is over ${photoMaxBytes / 1024 / 1024} MB. Take it again at a lower resolution.` });
  const damaged = () => new ValidationError({ photo: 'The photo did not arrive whole. Take it again.' });
  try {
    const file = await request.file();
    if (!file) throw new ValidationError({ photo: 'Take or choose a photo first.' });
    const fields: Record<string, string> = {};
    for (const [name, field] of Object.entries(file.fields)) {
      const value = Array.isArray(field) ? undefined : (field as { type?: string; value?: unknown } | undefined);
      if (value?.type === 'field' && typeof value.value === 'string') fields[name] = value.value;
    }
    return { upload: await file.toBuffer(), fields };
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
    throw damaged();
  }
}
