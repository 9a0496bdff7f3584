import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import { recordEvent, type Actor } from '../events/record.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formSpec, wholeNumber, type FormValues } from '../platform/form-spec.js';
import { isCanonicalId } from '../platform/schemas.js';
import type { Workflow } from '../workflow/definition.js';

/** A station as Admin → Kiosks edits it. */
export const kioskForm = formSpec({
  name: { kind: 'text', label: 'Station name', max: 60, required: 'Name the station, e.g. “Router bay”.', hint: 'What the workers call it, e.g. “Router bay”.' },
  queueKeys: { kind: 'choices', label: 'Queues it works from', required: 'Choose at least one queue the station works from.', invalid: 'Choose queues from the list.', most: 50 },
  machineIds: { kind: 'choices', label: 'Machines at this station', invalid: 'Choose machines from the list.', most: 500, hint: 'None ticked: every machine.' },
  idleSeconds: { kind: 'integer', label: 'Back to the station view after (seconds idle)', min: 15, max: 900, message: 'Enter between 15 and 900 seconds.' },
});
export type KioskFormValues = FormValues<typeof kioskForm.fields>;

export interface KioskInput {
  name: string;
  queueKeys: string[];
  machineIds: number[];
  idleSeconds: number;
}

export interface KioskSummary extends KioskInput {
  id: number;
  version: number;
  devices: number;
}

export const defaultKioskQueues = ['pending', 'wip'];

export function kioskFormValues(input: KioskInput): KioskFormValues {
  return { name: input.name, queueKeys: input.queueKeys, machineIds: input.machineIds.map(String), idleSeconds: Number.isInteger(input.idleSeconds) ? String(input.idleSeconds) : '' };
}

/** What the form says, as stored; an id that is not one (forged, or out of range) matches no machine and is reported as such. */
export function kioskInputOf(values: KioskFormValues): KioskInput {
  return { name: values.name, queueKeys: values.queueKeys, machineIds: values.machineIds.map((id) => (isCanonicalId(id) ? Number(id) : 0)), idleSeconds: wholeNumber(values.idleSeconds) };
}

function validate(input: KioskInput, workflow: Workflow, machineIds: number[]): FieldErrors {
  return kioskForm.validate(kioskFormValues(input), { options: { queueKeys: workflow.queues.map((queue) => queue.key), machineIds: machineIds.map(String) } });
}

async function checked(db: DbOrTx, workflow: Workflow, input: KioskInput, exceptId?: number): Promise<void> {
  const machines = await db.selectFrom('machines').select('id').execute();
  const errors = validate(input, workflow, machines.map((m) => m.id));
  if (!errors.name) {
    const taken = await db
      .selectFrom('kiosks')
      .select('id')
      .where(sql`lower(name)`, '=', input.name.toLowerCase())
      .$if(exceptId !== undefined, (q) => q.where('id', '!=', exceptId!))
      .executeTakeFirst();
    if (taken) errors.name = 'Another kiosk already has this name.';
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
}

export async function listKiosks(db: DbOrTx): Promise<KioskSummary[]> {
  return db
    .selectFrom('kiosks')
    .select([
      'id',
      'name',
      'queue_keys as queueKeys',
      'machine_ids as machineIds',
      'idle_seconds as idleSeconds',
      'version',
      sql<number>`(select count(*)::int from kiosk_devices d where d.kiosk_id = kiosks.id and d.revoked_at is null)`.as('devices'),
    ])
    .orderBy(sql`lower(name)`)
    .execute();
}

export async function findKiosk(db: DbOrTx, kioskId: number): Promise<KioskSummary | undefined> {
  return (await listKiosks(db)).find((kiosk) => kiosk.id === kioskId);
}

export async function createKiosk(db: DbOrTx, actor: Actor, workflow: Workflow, input: KioskInput): Promise<number> {
  await checked(db, workflow, input);
  const row = await db
    .insertInto('kiosks')
    .values({ name: input.name, queue_keys: input.queueKeys, machine_ids: input.machineIds, idle_seconds: input.idleSeconds, updated_at: sql<Date>`now()` })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordEvent(db, actor, { subjectType: 'kiosk', subjectId: row.id, action: 'created', particulars: { name: input.name } });
  return row.id;
}

export async function updateKiosk(db: DbOrTx, actor: Actor, workflow: Workflow, kioskId: number, input: KioskInput, expectedVersion: number): Promise<void> {
  await checked(db, workflow, input, kioskId);
  const result = await db
    .updateTable('kiosks')
    .set({
      name: input.name,
      queue_keys: input.queueKeys,
      machine_ids: input.machineIds,
      idle_seconds: input.idleSeconds,
      version: sql<number>`version + 1`,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', kioskId)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) {
    const exists = await db.selectFrom('kiosks').select('id').where('id', '=', kioskId).executeTakeFirst();
    if (!exists) throw new HttpError(404);
    throw new ConflictError('Someone else changed this kiosk while you were editing it. Their version is shown; your changes are kept below.');
  }
  await recordEvent(db, actor, { subjectType: 'kiosk', subjectId: kioskId, action: 'updated', particulars: { name: input.name } });
}

/** Removing a kiosk signs out every tablet enrolled in it; past events keep its name. */
export async function deleteKiosk(db: DbOrTx, actor: Actor, kioskId: number): Promise<void> {
  const removed = await db.deleteFrom('kiosks').where('id', '=', kioskId).returning('name').executeTakeFirst();
  if (!removed) throw new HttpError(404);
  await recordEvent(db, actor, { subjectType: 'kiosk', subjectId: kioskId, action: 'deleted', particulars: { name: removed.name } });
}

export interface DeviceSummary {
  id: number;
  label: string;
  enrolledAt: Date;
  lastSeenAt: Date;
  revokedAt: Date | null;
  operator: string | null;
}

export async function listDevices(db: DbOrTx, kioskId: number): Promise<DeviceSummary[]> {
  return db
    .selectFrom('kiosk_devices')
    .leftJoin('users', (join) => join.onRef('users.id', '=', 'kiosk_devices.operator_user_id').on('kiosk_devices.operator_until', '>', sql<Date>`now()`))
    .select([
      'kiosk_devices.id',
      'kiosk_devices.label',
      'kiosk_devices.enrolled_at as enrolledAt',
      'kiosk_devices.last_seen_at as lastSeenAt',
      'kiosk_devices.revoked_at as revokedAt',
      'users.name as operator',
    ])
    .where('kiosk_devices.kiosk_id', '=', kioskId)
    .orderBy('kiosk_devices.revoked_at', (ob) => ob.desc().nullsFirst())
    .orderBy('kiosk_devices.enrolled_at', 'desc')
    .execute();
}

export async function revokeDevice(db: DbOrTx, actor: Actor & { userId: number }, kioskId: number, deviceId: number): Promise<void> {
  const revoked = await db
    .updateTable('kiosk_devices')
    .set({ revoked_at: sql<Date>`now()`, revoked_by: actor.userId, operator_user_id: null, operator_until: null })
    .where('id', '=', deviceId)
    .where('kiosk_id', '=', kioskId)
    .where('revoked_at', 'is', null)
    .returning('label')
    .executeTakeFirst();
  if (!revoked) throw new HttpError(404, 'That tablet is not enrolled here (or was already signed out).');
  await recordEvent(db, actor, { subjectType: 'kiosk', subjectId: kioskId, action: 'device-revoked', particulars: { deviceId, label: revoked.label } });
}
