import type { DbOrTx } from '../db/database.js';
import { recordEvent, type Actor } from '../events/record.js';
import { HttpError, ValidationError } from '../platform/errors.js';
import { formSpec } from '../platform/form-spec.js';

/** Adding a machine or material: one name, drawn inline at the foot of its list (views/admin/catalog.eta). */
export const catalogEntryForm = formSpec({
  name: { kind: 'text', label: 'Name', max: 80, required: 'Enter a name.' },
});

export type CatalogKind = 'machines' | 'materials';

const hoursPattern = /^\d{1,2}(?:[.,]\d{1,2})?$/;
/** A machine's working hours a day, for planning: what the board weighs its planned work against. */
export const capacityForm = formSpec({
  hours: {
    kind: 'text',
    label: 'Hours a day',
    max: 5,
    required: 'Enter the hours it can work a day, like 7.5.',
    valid: (value) => hoursPattern.test(value) && Number(value.replace(',', '.')) <= 24,
    invalid: 'Enter the hours it can work a day, from 0 to 24, like 7.5.',
    inputmode: 'decimal',
  },
});

export interface CatalogEntry {
  id: number;
  name: string;
  active: boolean;
}

/** Each machine's capacity in working minutes a day. */
export async function machineCapacities(db: DbOrTx): Promise<Map<number, number>> {
  const rows = await db.selectFrom('machines').select(['id', 'capacity_minutes as minutes']).execute();
  return new Map(rows.map((row) => [row.id, row.minutes]));
}

export async function setMachineCapacity(db: DbOrTx, actor: Actor, id: number, hours: string): Promise<void> {
  const trimmed = hours.trim();
  const errors = capacityForm.validate({ hours: trimmed });
  if (errors.hours) throw new ValidationError(errors);
  const minutes = Math.round(Number(trimmed.replace(',', '.')) * 60);
  const updated = await db.updateTable('machines').set({ capacity_minutes: minutes }).where('id', '=', id).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) throw new HttpError(404, 'There is no such machine.');
  await recordEvent(db, actor, { subjectType: 'machine', subjectId: id, action: 'capacity-set', particulars: { minutes } });
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
