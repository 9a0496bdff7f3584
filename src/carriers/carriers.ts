import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { recordEvent, type Actor } from '../events/record.js';
import { ConflictError, HttpError, ValidationError } from '../platform/errors.js';
import { formSpec, type FormValues } from '../platform/form-spec.js';

const placeholder = '{number}';

/** Why a tracking link template would not make a working link, or undefined when it would. */
export function templateProblem(template: string): string | undefined {
  const trimmed = template.trim();
  if (!/^https:\/\//i.test(trimmed)) return 'Start the link with https://.';
  if (/\s/.test(trimmed)) return 'A link has no spaces in it.';
  if (!trimmed.includes(placeholder)) return `Put ${placeholder} where the tracking number goes.`;
  try {
    // Two different numbers must lead to the same site: {number} belongs in the path or the query, never the address.
    const [one, two] = ['1Z999AA10123456784', 'ZZ0000000000000000'].map((sample) => new URL(trimmed.replaceAll(placeholder, sample)));
    if (one!.protocol !== 'https:' || !one!.hostname.includes('.') || /^[\d.]+$/.test(one!.hostname)) return 'That is not a web address a customer can open.';
    if (one!.origin !== two!.origin) return `Put ${placeholder} after the address, in the path or the query.`;
  } catch {
    return 'That is not a web address a customer can open.';
  }
  return undefined;
}

/** A carrier as the admin page edits it. */
export const carrierForm = formSpec({
  name: { kind: 'text', label: 'Carrier', max: 60, required: 'Name the carrier, like UPS.' },
  trackingUrlTemplate: {
    kind: 'text',
    label: 'Tracking link',
    max: 500,
    required: `Enter the carrier's tracking link, with ${placeholder} where the number goes.`,
    hint: `The carrier's tracking page, with ${placeholder} where the tracking number goes.`,
  },
});
export type CarrierValues = FormValues<typeof carrierForm.fields>;

export interface Carrier {
  id: number;
  name: string;
  trackingUrlTemplate: string;
  active: boolean;
  version: number;
}

export async function listCarriers(db: DbOrTx): Promise<Carrier[]> {
  return db
    .selectFrom('carriers')
    .select(['id', 'name', 'tracking_url_template as trackingUrlTemplate', 'active', 'version'])
    .orderBy(sql`lower(name)`)
    .execute();
}

function checked(values: CarrierValues) {
  const errors = carrierForm.validate(values);
  const template = values.trackingUrlTemplate.trim();
  if (!errors.trackingUrlTemplate && template) {
    const problem = templateProblem(template);
    if (problem) errors.trackingUrlTemplate = problem;
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return { name: values.name.trim(), tracking_url_template: template };
}

const sameName = (error: { code?: string }, name: string) => {
  if (error.code === '23505') throw new ValidationError({ name: `There already is a carrier called “${name}”.` });
  throw error;
};

export async function addCarrier(db: Db, actor: Actor, values: CarrierValues): Promise<number> {
  const columns = checked(values);
  return inTransaction(db, async (tx) => {
    const created = await tx.insertInto('carriers').values(columns).returning('id').executeTakeFirstOrThrow().catch((error: { code?: string }) => sameName(error, columns.name));
    await recordEvent(tx, actor, { subjectType: 'carrier', subjectId: created.id, action: 'created', particulars: columns });
    return created.id;
  });
}

/** Saves a carrier's name and link, refused when someone saved it since the form was opened. */
export async function updateCarrier(db: Db, actor: Actor, id: number, expectedVersion: number, values: CarrierValues & { active: boolean }): Promise<void> {
  const columns = checked(values);
  await inTransaction(db, async (tx) => {
    const updated = await tx
      .updateTable('carriers')
      .set({ ...columns, active: values.active, version: sql<number>`version + 1` })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .returning('id')
      .executeTakeFirst()
      .catch((error: { code?: string }) => sameName(error, columns.name));
    if (!updated) {
      const exists = await tx.selectFrom('carriers').select('id').where('id', '=', id).executeTakeFirst();
      if (!exists) throw new HttpError(404, 'There is no such carrier.');
      throw new ConflictError('Someone else saved this carrier while you were editing. What they saved is shown here; your version is in the form. Save again to replace theirs.');
    }
    await recordEvent(tx, actor, { subjectType: 'carrier', subjectId: id, action: 'updated', particulars: { ...columns, active: values.active } });
  });
}

/** Tracking link templates of the carriers in use, by lower-case name. */
export function templatesOf(carriers: readonly Carrier[]): Map<string, string> {
  return new Map(carriers.filter((carrier) => carrier.active).map((carrier) => [carrier.name.toLowerCase(), carrier.trackingUrlTemplate]));
}

export async function trackingTemplates(db: DbOrTx): Promise<Map<string, string>> {
  return templatesOf(await listCarriers(db));
}

/** The link a customer can follow: the one given, or the carrier's page for the number; null when there is none. */
export function trackingUrl(templates: ReadonlyMap<string, string>, carrier: string | null, tracking: string | null): string | null {
  if (!tracking) return null;
  if (/^https?:\/\/\S+$/i.test(tracking)) return tracking;
  const template = templates.get((carrier ?? '').trim().toLowerCase());
  return template ? template.replaceAll(placeholder, encodeURIComponent(tracking.trim())) : null;
}
