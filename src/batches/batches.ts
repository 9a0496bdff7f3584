import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { recordEvent, type Actor } from '../events/record.js';
import { lineItemRows } from '../line-items/queries.js';
import { itemLabel } from '../platform/format.js';
import { ConflictError, HttpError, ValidationError } from '../platform/errors.js';
import { formSpec, type FormValues } from '../platform/form-spec.js';
import { isCanonicalId } from '../platform/schemas.js';

/** The most items one batch holds: its page stays quick and its report small enough to mail. */
export const maxBatchItems = 5_000;

/** Naming a batch, or choosing one to add items to. */
export const batchForm = formSpec({
  batchId: { kind: 'reference', label: 'Batch', placeholder: 'A new batch…', invalid: 'Choose a batch from the list.' },
  name: { kind: 'text', label: 'Name of the new batch', note: '(when no batch is chosen above)', max: 120, hint: 'e.g. “Spring menu boards 2027”.' },
  notes: { kind: 'textarea', label: 'Notes', max: 2000 },
});
export type BatchValues = FormValues<typeof batchForm.fields>;

/** Renaming a batch. */
export const batchEditForm = formSpec({
  name: { kind: 'text', label: 'Name', max: 120, required: 'Name the batch, e.g. “Spring menu boards 2027”.' },
  notes: { kind: 'textarea', label: 'Notes', max: 2000 },
});
export type BatchEditValues = FormValues<typeof batchEditForm.fields>;

export interface BatchSummary {
  id: number;
  name: string;
  notes: string;
  createdAt: Date;
  createdBy: string | null;
  version: number;
  items: number;
}

function batchSummaries(db: DbOrTx) {
  return db
    .selectFrom('batches')
    .leftJoin('users', 'users.id', 'batches.created_by')
    .select([
      'batches.id',
      'batches.name',
      'batches.notes',
      'batches.created_at as createdAt',
      'users.name as createdBy',
      'batches.version',
      sql<number>`(select count(*)::int from batch_items bi where bi.batch_id = batches.id)`.as('items'),
    ]);
}

export async function listBatches(db: DbOrTx): Promise<BatchSummary[]> {
  return batchSummaries(db).orderBy('batches.created_at', 'desc').orderBy('batches.id', 'desc').limit(500).execute();
}

export async function findBatch(db: DbOrTx, batchId: number): Promise<BatchSummary | undefined> {
  return batchSummaries(db).where('batches.id', '=', batchId).executeTakeFirst();
}

/** Ids of line items that exist, from ids a form or a link sent ("123" or "123:4" with the version seen). */
export async function existingItems(db: DbOrTx, sent: readonly string[]): Promise<number[]> {
  const ids = [...new Set(sent.map((entry) => entry.split(':')[0]!).filter(isCanonicalId).map(Number))].slice(0, maxBatchItems + 1);
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('line_items').select('id').where('id', 'in', ids).orderBy('id').execute();
  return rows.map((row) => row.id);
}

async function nameTaken(db: DbOrTx, name: string, exceptId?: number): Promise<boolean> {
  const row = await db
    .selectFrom('batches')
    .select('id')
    .where(sql`lower(name)`, '=', name.toLowerCase())
    .$if(exceptId !== undefined, (q) => q.where('id', '<>', exceptId!))
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Puts items into a batch: a new one named in the form, or one chosen from the list. Items
 * already in it stay once. Returns the batch and how many items joined.
 */
export async function batchItems(db: Db, actor: Actor, values: BatchValues, itemIds: readonly number[], source: string): Promise<{ batchId: number; added: number }> {
  const errors = batchForm.validate(values);
  if (values.batchId === '' && values.name === '') errors.name = 'Name the batch, e.g. “Spring menu boards 2027”.';
  if (values.batchId !== '' && (values.name !== '' || values.notes !== '')) errors.name = 'Choose a batch above or name a new one, not both.';
  if (itemIds.length === 0) errors.form = 'There are no items to put in a batch: select some first.';
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return inTransaction(db, async (tx) => {
    let batchId: number;
    if (values.batchId !== '') {
      const batch = await tx.selectFrom('batches').select('id').where('id', '=', Number(values.batchId)).forUpdate().executeTakeFirst();
      if (!batch) throw new ValidationError({ batchId: 'That batch no longer exists; choose another or name a new one.' });
      batchId = batch.id;
    } else {
      if (await nameTaken(tx, values.name)) throw new ValidationError({ name: `There already is a batch called “${values.name}”: choose it from the list to add to it.` });
      const created = await tx
        .insertInto('batches')
        .values({ name: values.name, notes: values.notes, created_by: actor.userId ?? null })
        .returning('id')
        .executeTakeFirstOrThrow()
        .catch((error: { code?: string }) => {
          if (error.code === '23505') throw new ValidationError({ name: `There already is a batch called “${values.name}”.` });
          throw error;
        });
      batchId = created.id;
      await recordEvent(tx, actor, { subjectType: 'batch', subjectId: batchId, action: 'created', particulars: { name: values.name, source } });
    }
    const { count } = await tx
      .selectFrom('batch_items')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('batch_id', '=', batchId)
      .executeTakeFirstOrThrow();
    const room = maxBatchItems - Number(count);
    if (room < itemIds.length) {
      throw new ValidationError({ form: `A batch holds at most ${maxBatchItems.toLocaleString('en-US')} items; this one has room for ${Math.max(0, room).toLocaleString('en-US')} more. Narrow the selection.` });
    }
    const inserted = await tx
      .insertInto('batch_items')
      .columns(['batch_id', 'line_item_id'])
      .expression((eb) =>
        eb
          .selectFrom('line_items')
          .select([sql<number>`${batchId}::bigint`.as('batch_id'), 'line_items.id'])
          .where('line_items.id', 'in', itemIds as number[]),
      )
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    const added = Number(inserted.numInsertedOrUpdatedRows ?? 0);
    await recordEvent(tx, actor, { subjectType: 'batch', subjectId: batchId, action: 'items-added', particulars: { added, source } });
    return { batchId, added };
  });
}

export async function removeFromBatch(db: Db, actor: Actor, batchId: number, itemId: number): Promise<void> {
  await inTransaction(db, async (tx) => {
    const removed = await tx.deleteFrom('batch_items').where('batch_id', '=', batchId).where('line_item_id', '=', itemId).executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) throw new HttpError(404, 'That item is not in this batch.');
    await recordEvent(tx, actor, { subjectType: 'batch', subjectId: batchId, action: 'item-removed', particulars: { itemId } });
  });
}

export async function updateBatch(db: Db, actor: Actor, batchId: number, values: BatchEditValues, expectedVersion: number): Promise<void> {
  const errors = batchEditForm.validate(values);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  await inTransaction(db, async (tx) => {
    if (await nameTaken(tx, values.name, batchId)) throw new ValidationError({ name: `There already is a batch called “${values.name}”.` });
    const updated = await tx
      .updateTable('batches')
      .set({ name: values.name, notes: values.notes, updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
      .where('id', '=', batchId)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      if (!(await findBatch(tx, batchId))) throw new HttpError(404, 'There is no such batch.');
      throw new ConflictError('Someone else changed this batch while you were editing it. Their version is shown; your changes are kept below.');
    }
    await recordEvent(tx, actor, { subjectType: 'batch', subjectId: batchId, action: 'updated', particulars: { name: values.name } });
  });
}

/** Deleting a batch leaves its items as they are: it was only a grouping. */
export async function deleteBatch(db: Db, actor: Actor, batchId: number): Promise<string> {
  return inTransaction(db, async (tx) => {
    const removed = await tx.deleteFrom('batches').where('id', '=', batchId).returning('name').executeTakeFirst();
    if (!removed) throw new HttpError(404, 'There is no such batch.');
    await recordEvent(tx, actor, { subjectType: 'batch', subjectId: batchId, action: 'deleted', particulars: { name: removed.name } });
    return removed.name;
  });
}

/** The batch's items as its page lists them, with what progress and forecasts need. */
export async function batchLineItems(db: DbOrTx, batchId: number) {
  const rows = await lineItemRows(db)
    .innerJoin('batch_items', 'batch_items.line_item_id', 'line_items.id')
    .innerJoin('orders', 'orders.id', 'line_items.order_id')
    .select(['orders.last_item_number as lastItemNumber', 'line_items.machine_id as machineId', 'line_items.material_id as materialId', 'line_items.planned_end as plannedEnd'])
    .where('batch_items.batch_id', '=', batchId)
    .orderBy('line_items.order_number')
    .orderBy('line_items.position')
    .execute();
  return rows.map((row) => ({ ...row, label: itemLabel(row.orderNumber, row.position, row.lastItemNumber) }));
}
export type BatchLineItem = Awaited<ReturnType<typeof batchLineItems>>[number];
