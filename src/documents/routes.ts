import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ConflictError, HttpError, ValidationError } from '../platform/errors.js';
import { Form, Id, IdParams, isCanonicalId, NoQuery, Text, Token, Version } from '../platform/schemas.js';
import { orderStatusForToken } from '../notifications/status-page.js';
import { orderPage } from '../orders/order-page.js';
import { addDocumentVersion, attachDocument, documentFile, documentMaxBytes, setDocumentVisibility, type DocumentOwner, type UploadedFile } from './documents.js';

/** What a multipart upload's body holds once read: the form's fields, and the file by name. */
const UploadBody = Type.Object(
  {
    _csrf: Type.Optional(Text(200)),
    title: Type.Optional(Text(300)),
    visibility: Type.Optional(Text(20)),
    documentId: Type.Optional(Text(20)),
    attachTo: Type.Optional(Text(20)),
    file: Type.Optional(Type.Any()),
  },
  { additionalProperties: false },
);
const VersionParams = Type.Object({ id: Id, version: Id });
const CustomerDocumentParams = Type.Object({ token: Token, id: Id });
const VisibilityForm = Form({ version: Version, visibility: Text(20) });

/** The bytes sent as a download: never shown in the page, never run, never kept by a shared cache. */
function sendFile(reply: FastifyReply, file: { fileName: string; contentType: string; content: Buffer; sha256: string }) {
  const asciiName = file.fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return reply
    .header('content-type', file.contentType)
    .header('content-disposition', `attachment; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cache-control', 'private, no-store')
    .header('etag', `"${file.sha256}"`)
    .send(file.content);
}

export async function documentRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  // The fields and the file are read before the route runs, so the CSRF check sees the form's token.
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: documentMaxBytes, files: 1, fields: 10, parts: 12 },
    async onFile(part: MultipartFile) {
      const data = await part.toBuffer();
      (part as unknown as { value: UploadedFile }).value = { fileName: part.filename, data };
    },
  });

  const actorOf = (request: FastifyRequest) => ({ userId: request.user!.id });
  const uploadOf = (value: unknown): UploadedFile | undefined => {
    const file = value as Partial<UploadedFile> | undefined;
    return file && typeof file.fileName === 'string' && Buffer.isBuffer(file.data) ? { fileName: file.fileName, data: file.data } : undefined;
  };

  /** The order itself (empty), or one of its items ("item-<id>"), as the attach form names them. */
  async function ownerWithin(orderId: number, attachTo: string): Promise<DocumentOwner | undefined> {
    if (attachTo === '' || attachTo === 'order') return { type: 'order', id: orderId };
    const itemId = attachTo.startsWith('item-') ? attachTo.slice('item-'.length) : '';
    if (!isCanonicalId(itemId)) return undefined;
    const item = await db.selectFrom('line_items').select('id').where('id', '=', Number(itemId)).where('order_id', '=', orderId).executeTakeFirst();
    return item && { type: 'line_item', id: item.id };
  }

  /** The order a document belongs to, its own or through one of its items. */
  async function orderOfDocument(documentId: number): Promise<number | undefined> {
    const row = await db
      .selectFrom('documents')
      .leftJoin('line_items', (join) => join.onRef('line_items.id', '=', 'documents.owner_id').on('documents.owner_type', '=', 'line_item'))
      .select(['documents.owner_type as ownerType', 'documents.owner_id as ownerId', 'line_items.order_id as itemOrderId'])
      .where('documents.id', '=', documentId)
      .executeTakeFirst();
    if (!row) return undefined;
    return row.ownerType === 'order' ? row.ownerId : (row.itemOrderId ?? undefined);
  }
  const documentOfOrder = async (documentId: number, orderId: number) => (await orderOfDocument(documentId)) === orderId;

  app.post('/orders/:id/documents', { config: { access: 'documents:attach' }, schema: { params: IdParams, querystring: NoQuery, body: UploadBody } }, async (request, reply) => {
    const orderId = Number(request.params.id);
    const order = await db.selectFrom('orders').select(['id', 'number']).where('id', '=', orderId).executeTakeFirst();
    if (!order) throw new HttpError(404, 'There is no such order.');
    if (!request.isMultipart()) throw new HttpError(415, 'Attach a file with the form on the order page.');
    const body = request.body;
    // Multipart fields do not pass the form parser, which drops NUL characters: drop them here.
    const field = (value: string | undefined) => (value ?? '').replaceAll('\u0000', '');
    const documentId = body.documentId && isCanonicalId(body.documentId) ? Number(body.documentId) : undefined;
    const values = { title: field(body.title), visibility: field(body.visibility) || 'internal', documentId: field(body.documentId), attachTo: field(body.attachTo) };
    try {
      if (documentId !== undefined) {
        if (!(await documentOfOrder(documentId, orderId))) throw new HttpError(404, 'There is no such document on this order.');
        const version = await addDocumentVersion(db, actorOf(request), documentId, uploadOf(body.file));
        request.session.flash = `Version ${version} attached.`;
      } else {
        const owner = await ownerWithin(orderId, values.attachTo);
        if (!owner) throw new ValidationError({ attachTo: 'Choose the order or one of its items.' });
        await attachDocument(db, actorOf(request), owner, { title: values.title, visibility: values.visibility, file: uploadOf(body.file) });
        request.session.flash = owner.type === 'order' ? 'Document attached.' : 'Document attached to the item.';
      }
      return reply.seeOther(`/orders/${orderId}#documents`);
    } catch (error) {
      if (error instanceof ValidationError) return orderPage(app, request, reply, orderId, { documents: { values, errors: error.fieldErrors } }, 422);
      if (error instanceof ConflictError) return orderPage(app, request, reply, orderId, { documents: { values, errors: { form: error.message } } }, 409);
      throw error;
    }
  });

  app.post('/documents/:id/visibility', { config: { access: 'documents:attach' }, schema: { params: IdParams, querystring: NoQuery, body: VisibilityForm } }, async (request, reply) => {
    const documentId = Number(request.params.id);
    const orderId = await orderOfDocument(documentId);
    if (orderId === undefined) throw new HttpError(404, 'There is no such document.');
    try {
      await setDocumentVisibility(db, actorOf(request), documentId, Number(request.body.version), request.body.visibility ?? '');
      request.session.flash = 'Who may see it is saved.';
      return reply.seeOther(`/orders/${orderId}#documents`);
    } catch (error) {
      if (error instanceof ValidationError || error instanceof ConflictError) {
        const errors = error instanceof ValidationError ? error.fieldErrors : { form: error.message };
        return orderPage(app, request, reply, orderId, { documents: { values: { title: '', visibility: 'internal', documentId: String(documentId), attachTo: '' }, errors } }, error instanceof ValidationError ? 422 : 409);
      }
      throw error;
    }
  });

  // Staff see every document of the orders they may see; each version stays downloadable.
  app.get('/documents/:id/versions/:version', { config: { access: 'orders:view' }, schema: { params: VersionParams, querystring: NoQuery } }, async (request, reply) => {
    const file = await documentFile(db, Number(request.params.id), Number(request.params.version));
    if (!file) throw new HttpError(404, 'There is no such document.');
    return sendFile(reply, file);
  });

  // A customer's link shows the documents shared with the customer, latest version only.
  app.get('/status/:token/documents/:id', { config: { access: 'public', allowBeforeSetup: false }, schema: { params: CustomerDocumentParams, querystring: NoQuery } }, async (request, reply) => {
    const status = await orderStatusForToken(db, request.params.token);
    const file = status ? await documentFile(db, Number(request.params.id)) : undefined;
    const theirs = file && status && file.visibility === 'customer' && ((file.ownerType === 'order' && file.ownerId === status.orderId) || (file.ownerType === 'line_item' && status.itemIds.includes(file.ownerId)));
    if (!file || !theirs) throw new HttpError(404, 'There is no such document.');
    reply.header('x-robots-tag', 'noindex');
    return sendFile(reply, file);
  });
}
