import type { DbOrTx } from '../db/database.js';
import { recordEvent, type Actor } from '../events/record.js';
import { HttpError, ValidationError } from '../platform/errors.js';
import { formSpec } from '../platform/form-spec.js';

/** Adding a machine or material: one name, drawn inline at the foot of its list (views/admin/catalog.eta). */
export const catalogEntryForm = formSpec({
  name: { kind: 'text', label: 'Name', max: 80, required: 'Enter a name.' },
});

export type CatalogKind = 'machines' | 'materials';

export interface CatalogEntry {
  id: number;
  name: string;
  active: boolean;
}

export async function listCatalog(db: DbOrTx, kind: CatalogKind, options: { activeOnly?: boolean } = {}): Promise<CatalogEntry[]> {
  return db
    .selectFrom(kind)
    .select(['id', 'name', 'active'])
    .$if(options.activeOnly === true, (q) => q.where('active', '=', true))
    .orderBy('active', 'desc')
    .orderBy('name')
    .execute();
}

/** Adds a machine or material; names are unique regardless of case. */
export async function addCatalogEntry(db: DbOrTx, actor: Actor, kind: CatalogKind, name: string): Promise<number> {
  const trimmed = name.trim();
  const errors = catalogEntryForm.validate({ name: trimmed });
  if (errors.name) throw new ValidationError(errors);
  const row = await db
    .insertInto(kind)
    .values({ name: trimmed })
    .returning('id')
    .executeTakeFirstOrThrow()
    .catch((error: { code?: string }) => {
      if (error.code === '23505') throw new ValidationError({ name: `There already is one called “${trimmed}”.` });
      throw error;
    });
  await recordEvent(db, actor, { subjectType: kind === 'machines' ? 'machine' : 'material', subjectId: row.id, action: 'created', particulars: { name: trimmed } });
  return row.id;
}

export async function setCatalogEntryActive(db: DbOrTx, actor: Actor, kind: CatalogKind, id: number, active: boolean): Promise<void> {
  const updated = await db.updateTable(kind).set({ active }).where('id', '=', id).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) throw new HttpError(404, `There is no such ${kind === 'machines' ? 'machine' : 'material'}.`);
  await recordEvent(db, actor, { subjectType: kind === 'machines' ? 'machine' : 'material', subjectId: id, action: active ? 'reactivated' : 'retired' });
}
