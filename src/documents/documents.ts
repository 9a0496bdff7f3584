import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { refuseIfOwnerArchived } from '../archive/archived.js';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { anyOf } from '../db/any-of.js';
import { compiledOnce } from '../db/compiled.js';
import { documentVisibilities, type DocumentKind, type DocumentOwnerType, type DocumentVisibility } from '../db/types.js';
import { recordEvent, type Actor } from '../events/record.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { acceptedTypesInWords, sniffFileType } from './file-types.js';

/** The largest file a person may attach. */
export const documentMaxBytes = 25 * 1024 * 1024;

export const visibilityLabels: Record<DocumentVisibility, string> = {
  internal: 'Staff only',
  installers: 'Staff and installers',
  customer: 'Staff, installers and the customer',
};

export interface DocumentOwner {
  type: DocumentOwnerType;
  id: number;
}

export interface UploadedFile {
  fileName: string;
  data: Buffer;
}

/** A file name as stored and sent: the last path segment, without control characters, at most 255 characters. */
export function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(-255);
  return cleaned || 'file';
}

async function checkedFile(file: UploadedFile | undefined, errors: FieldErrors): Promise<{ fileName: string; data: Buffer; contentType: string } | undefined> {
  if (!file || file.data.length === 0) {
    errors.file = 'Choose a file to attach.';
    return undefined;
  }
  if (file.data.length > documentMaxBytes) {
    errors.file = `That file is over ${documentMaxBytes / 1024 / 1024} MB.`;
    return undefined;
  }
  const fileName = cleanFileName(file.fileName);
  const type = await sniffFileType(file.data, fileName);
  if (!type) {
    errors.file = `Traveler keeps ${acceptedTypesInWords}; “${fileName}” is none of these.`;
    return undefined;
  }
  return { fileName, data: file.data, contentType: type.contentType };
}

function checkVisibility(value: string, errors: FieldErrors): DocumentVisibility | undefined {
  const visibility = documentVisibilities.find((choice) => choice === value);
  if (!visibility) errors.visibility = 'Choose who may see it.';
  return visibility;
}

async function storeVersion(tx: DbOrTx, actor: Actor, documentId: number, version: number, file: { fileName: string; data: Buffer; contentType: string }, sha256 = sha256Of(file.data), sourceHash: string | null = null) {
  await tx
    .insertInto('document_versions')
    .values({
      document_id: documentId,
      version,
      file_name: file.fileName,
      content_type: file.contentType,
      size: file.data.length,
      sha256,
      source_sha256: sourceHash,
      content: file.data,
      uploaded_by: actor.userId,
    })
    .execute();
}

const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * A document Traveler draws (a work sheet, a price sheet, an invoice): one per kind per owner,
 * staff only until someone shares it. Drawn again, it becomes a new version only when what it
 * was drawn from changed (`sourceHash`; then it is not even drawn) and its bytes differ.
 * Returns the version that holds it.
 */
export async function storeGeneratedDocument(
  tx: DbOrTx,
  actor: Actor,
  owner: DocumentOwner,
  kind: Exclude<DocumentKind, 'upload'>,
  file: { title: string; fileName: string; sourceHash: string; draw: () => Promise<Buffer> },
): Promise<{ documentId: number; version: number }> {
  const existing = await tx
    .selectFrom('documents')
    .innerJoin('document_versions', (join) => join.onRef('document_versions.document_id', '=', 'documents.id').onRef('document_versions.version', '=', 'documents.latest_version'))
    .select(['documents.id', 'documents.latest_version as version', 'document_versions.sha256', 'document_versions.source_sha256 as sourceHash'])
    .where('documents.owner_type', '=', owner.type)
    .where('documents.owner_id', '=', owner.id)
    .where('documents.kind', '=', kind)
    .forUpdate('documents')
    .executeTakeFirst();
  if (existing?.sourceHash === file.sourceHash) return { documentId: existing.id, version: existing.version };
  const data = await file.draw();
  const sha256 = sha256Of(data);
  if (existing?.sha256 === sha256) {
    // Drawn from something new that prints the same: remembered, so it is not drawn again next time.
    await tx.updateTable('document_versions').set({ source_sha256: file.sourceHash }).where('document_id', '=', existing.id).where('version', '=', existing.version).execute();
    return { documentId: existing.id, version: existing.version };
  }
  const upload = { fileName: file.fileName, data, contentType: 'application/pdf' };
  let documentId = existing?.id;
  if (documentId === undefined) {
    documentId = (await tx.insertInto('documents').values({ owner_type: owner.type, owner_id: owner.id, title: file.title, kind, visibility: 'internal', created_by: actor.userId }).returning('id').executeTakeFirstOrThrow()).id;
  }
  const version = (existing?.version ?? 0) + 1;
  await storeVersion(tx, actor, documentId, version, upload, sha256, file.sourceHash);
  if (existing) await tx.updateTable('documents').set({ latest_version: version, version: sql<number>`version + 1` }).where('id', '=', documentId).execute();
  await recordEvent(tx, actor, { subjectType: owner.type, subjectId: owner.id, action: 'document-generated', particulars: { documentId, title: file.title, version } });
  return { documentId, version };
}

/** The generated documents of these kinds are approved as they are now: that version is kept as the approved one (once: approval is not taken back). */
export async function freezeGeneratedDocuments(tx: DbOrTx, owner: DocumentOwner, kinds: DocumentKind[]): Promise<void> {
  await tx
    .updateTable('documents')
    .set({ frozen_at: sql<Date>`now()`, frozen_version: sql<number>`latest_version`, version: sql<number>`version + 1` })
    .where('owner_type', '=', owner.type)
    .where('owner_id', '=', owner.id)
    .where('kind', 'in', kinds)
    .where('frozen_at', 'is', null)
    .execute();
}

/** Attaches a new document (its first version) to an order or an item. */
export async function attachDocument(db: Db, actor: Actor, owner: DocumentOwner, input: { title: string; visibility: string; file?: UploadedFile }): Promise<number> {
  const errors: FieldErrors = {};
  const file = await checkedFile(input.file, errors);
  const title = input.title.trim() || (file ? file.fileName : '');
  if (title.length > 200) errors.title = 'Keep the title to 200 characters or fewer.';
  const visibility = checkVisibility(input.visibility, errors);
  if (!file || !visibility || Object.keys(errors).length > 0) throw new ValidationError(errors);
  return inTransaction(db, async (tx) => {
    await refuseIfOwnerArchived(tx, owner);
    if (owner.type === 'line_item') {
      // Held while the document is attached, so an edit of the order cannot remove the item meanwhile.
      const item = await tx.selectFrom('line_items').select('id').where('id', '=', owner.id).forShare().executeTakeFirst();
      if (!item) throw new ValidationError({ attachTo: 'That item was removed from the order meanwhile. Choose the order or another item.' });
    }
    const created = await tx.insertInto('documents').values({ owner_type: owner.type, owner_id: owner.id, title, visibility, created_by: actor.userId }).returning('id').executeTakeFirstOrThrow();
    await storeVersion(tx, actor, created.id, 1, file);
    await recordEvent(tx, actor, { subjectType: owner.type, subjectId: owner.id, action: 'document-attached', particulars: { documentId: created.id, title, fileName: file.fileName, visibility } });
    return created.id;
  });
}

export class DocumentConflictError extends ConflictError {
  constructor(title: string) {
    super(`“${title}” was changed by someone else while you had this page open. Nothing was saved: look at it again and retry.`);
  }
}

async function lockDocument(tx: DbOrTx, documentId: number, expectedVersion?: number) {
  const document = await tx.selectFrom('documents').selectAll().where('id', '=', documentId).forUpdate().executeTakeFirst();
  if (!document) throw new HttpError(404, 'There is no such document.');
  if (expectedVersion !== undefined && document.version !== expectedVersion) throw new DocumentConflictError(document.title);
  return document;
}

/** A new version of a document: the earlier ones stay, and remain downloadable. Two uploads at once become two versions. */
export async function addDocumentVersion(db: Db, actor: Actor, documentId: number, upload: UploadedFile | undefined): Promise<number> {
  const errors: FieldErrors = {};
  const file = await checkedFile(upload, errors);
  if (!file) throw new ValidationError(errors);
  return inTransaction(db, async (tx) => {
    const document = await lockDocument(tx, documentId);
    await refuseIfOwnerArchived(tx, { type: document.owner_type, id: document.owner_id });
    if (document.kind !== 'upload') throw new ValidationError({ file: `Traveler draws “${document.title}” itself from the order; attach your file as a new document instead.` });
    const version = document.latest_version + 1;
    await storeVersion(tx, actor, documentId, version, file);
    await tx.updateTable('documents').set({ latest_version: version, version: sql<number>`version + 1` }).where('id', '=', documentId).execute();
    await recordEvent(tx, actor, { subjectType: document.owner_type, subjectId: document.owner_id, action: 'document-version', particulars: { documentId, title: document.title, fileName: file.fileName, version } });
    return version;
  });
}

export async function setDocumentVisibility(db: Db, actor: Actor, documentId: number, expectedVersion: number, value: string): Promise<void> {
  const errors: FieldErrors = {};
  const visibility = checkVisibility(value, errors);
  if (!visibility) throw new ValidationError(errors);
  await inTransaction(db, async (tx) => {
    const document = await lockDocument(tx, documentId, expectedVersion);
    await refuseIfOwnerArchived(tx, { type: document.owner_type, id: document.owner_id });
    if (document.visibility === visibility) return;
    await tx.updateTable('documents').set({ visibility, version: sql<number>`version + 1` }).where('id', '=', documentId).execute();
    await recordEvent(tx, actor, { subjectType: document.owner_type, subjectId: document.owner_id, action: 'document-visibility', particulars: { documentId, title: document.title, from: document.visibility, to: visibility } });
  });
}

export interface DocumentVersionSummary {
  version: number;
  fileName: string;
  contentType: string;
  size: number;
  uploadedAt: Date;
  uploadedBy: string | null;
}

export interface DocumentSummary {
  id: number;
  ownerType: DocumentOwnerType;
  ownerId: number;
  title: string;
  kind: string;
  visibility: DocumentVisibility;
  version: number;
  latestVersion: number;
  frozenAt: Date | null;
  frozenVersion: number | null;
  versions: DocumentVersionSummary[];
}

/** Documents as lists show them, newest first, each with its versions (newest first), without their bytes. */
function documentRows(db: DbOrTx) {
  return db
    .selectFrom('documents')
    .select([
      'documents.id',
      'documents.owner_type as ownerType',
      'documents.owner_id as ownerId',
      'documents.title',
      'documents.kind',
      'documents.visibility',
      'documents.version',
      'documents.latest_version as latestVersion',
      'documents.frozen_at as frozenAt',
      'documents.frozen_version as frozenVersion',
      sql<DocumentVersionSummary[]>`(
        select json_agg(json_build_object('version', v.version, 'fileName', v.file_name, 'contentType', v.content_type, 'size', v.size, 'uploadedAt', v.uploaded_at, 'uploadedBy', u.name) order by v.version desc)
          from document_versions v left join users u on u.id = v.uploaded_by
         where v.document_id = documents.id)`.as('versions'),
    ])
    .orderBy('documents.created_at', 'desc')
    .orderBy('documents.id', 'desc');
}

type DocumentRow = Omit<DocumentSummary, 'versions'> & { versions: DocumentVersionSummary[] | null };
const summaries = (rows: DocumentRow[]): DocumentSummary[] => rows.map((row) => ({ ...row, versions: (row.versions ?? []).map((version) => ({ ...version, uploadedAt: new Date(version.uploadedAt) })) }));

/** The documents of these owners. */
export async function documentsOf(db: DbOrTx, owners: readonly DocumentOwner[], visibleTo?: readonly DocumentVisibility[]): Promise<DocumentSummary[]> {
  if (owners.length === 0) return [];
  const rows = await documentRows(db)
    .where((eb) => eb.or(owners.map((owner) => eb.and([eb('documents.owner_type', '=', owner.type), eb('documents.owner_id', '=', owner.id)]))))
    .$if(visibleTo !== undefined, (q) => q.where('documents.visibility', 'in', [...visibleTo!]))
    .execute();
  return summaries(rows);
}

const orderDocumentRows = compiledOnce((db: DbOrTx, orderId: number) =>
  documentRows(db).where((eb) =>
    eb.or([
      eb.and([eb('documents.owner_type', '=', 'order'), eb('documents.owner_id', '=', orderId)]),
      eb.and([eb('documents.owner_type', '=', 'line_item'), eb('documents.owner_id', '=', anyOf(eb.selectFrom('line_items').select('line_items.id').where('line_items.order_id', '=', orderId)))]),
    ]),
  ),
);

/** The documents of an order and of its items, as the order page lists them. */
export async function documentsOfOrder(db: DbOrTx, orderId: number): Promise<DocumentSummary[]> {
  return summaries(await orderDocumentRows(db, orderId));
}

/** One version's bytes and what to call them, with its document's owner and visibility (for the caller's check). */
export async function documentFile(db: DbOrTx, documentId: number, version?: number) {
  return db
    .selectFrom('document_versions')
    .innerJoin('documents', 'documents.id', 'document_versions.document_id')
    .select(['document_versions.file_name as fileName', 'document_versions.content_type as contentType', 'document_versions.content', 'document_versions.sha256', 'documents.owner_type as ownerType', 'documents.owner_id as ownerId', 'documents.visibility'])
    .where('document_versions.document_id', '=', documentId)
    .where('document_versions.version', '=', version ?? sql<number>`documents.latest_version`)
    .executeTakeFirst();
}

/** An item removed from its order: its documents stay, with the order. */
export async function moveDocumentsToOrder(tx: DbOrTx, itemId: number, orderId: number): Promise<void> {
  await tx.updateTable('documents').set({ owner_type: 'order', owner_id: orderId }).where('owner_type', '=', 'line_item').where('owner_id', '=', itemId).execute();
}

/**
 * An order started from a previous one takes copies of its documents and its items' (the
 * latest version of each; an item's goes to the new order, whose items are new). Shared with
 * the customer only when the new order is for the same customer.
 */
export async function copyDocuments(tx: DbOrTx, actor: Actor, fromOrderId: number, toOrderId: number): Promise<number> {
  const originals = await sql<{ id: number; title: string; kind: DocumentKind; visibility: DocumentVisibility; version: number }>`
    select d.id, d.title, d.kind, case when same.customer then d.visibility else 'internal' end as visibility, d.latest_version as version
      from documents d
     cross join (select (select customer_id from orders where id = ${fromOrderId}) = (select customer_id from orders where id = ${toOrderId}) as customer) same
     where d.kind = 'upload'
       and ((d.owner_type = 'order' and d.owner_id = ${fromOrderId})
         or (d.owner_type = 'line_item' and d.owner_id in (select li.id from line_items li where li.order_id = ${fromOrderId})))
     order by d.id`.execute(tx);
  for (const original of originals.rows) {
    const copy = await tx.insertInto('documents').values({ owner_type: 'order', owner_id: toOrderId, title: original.title, kind: original.kind, visibility: original.visibility, created_by: actor.userId }).returning('id').executeTakeFirstOrThrow();
    await sql`
      insert into document_versions (document_id, version, file_name, content_type, size, sha256, content, uploaded_by)
      select ${copy.id}, 1, v.file_name, v.content_type, v.size, v.sha256, v.content, ${actor.userId}
        from document_versions v where v.document_id = ${original.id} and v.version = ${original.version}`.execute(tx);
  }
  return originals.rows.length;
}
