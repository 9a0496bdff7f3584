import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { recordEvent, type Actor } from '../events/record.js';
import { ValidationError } from '../platform/errors.js';
import { hashToken } from '../platform/tokens.js';
import { checkPin, type PinCheck } from '../accounts/pins.js';
import * as fmt from '../platform/format.js';

const enrolmentMinutes = 15;
export const kioskCookie = 'traveler.kiosk';
// Letters and digits nobody confuses when reading them off a screen (no 0/O, 1/I/L).
const codeAlphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export interface Enrolment {
  code: string;
  linkToken: string;
  expiresAt: Date;
}

function newCode(): string {
  const chars = Array.from({ length: 8 }, () => codeAlphabet[randomInt(codeAlphabet.length)]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

/** What someone typed, the way codes are stored: upper case, one dash, no spaces. */
function normaliseCode(typed: string): string {
  const compact = typed.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return compact.length === 8 ? `${compact.slice(0, 4)}-${compact.slice(4)}` : compact;
}

/** A one-time code and link for enrolling one tablet; earlier unused ones for the kiosk stop working. */
export async function startEnrolment(db: DbOrTx, actor: Actor, kioskId: number): Promise<Enrolment> {
  const code = newCode();
  const linkToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + enrolmentMinutes * 60_000);
  await db.deleteFrom('kiosk_enrolments').where('kiosk_id', '=', kioskId).where('used_at', 'is', null).execute();
  await db
    .insertInto('kiosk_enrolments')
    .values({ kiosk_id: kioskId, code_hash: hashToken(code), link_hash: hashToken(linkToken), expires_at: expiresAt, created_by: actor.userId })
    .execute();
  await recordEvent(db, actor, { subjectType: 'kiosk', subjectId: kioskId, action: 'enrolment-started' });
  return { code, linkToken, expiresAt };
}

export async function findEnrolment(db: DbOrTx, secret: { code: string } | { linkToken: string }) {
  const hash = 'code' in secret ? hashToken(normaliseCode(secret.code)) : hashToken(secret.linkToken);
  return db
    .selectFrom('kiosk_enrolments')
    .innerJoin('kiosks', 'kiosks.id', 'kiosk_enrolments.kiosk_id')
    .select(['kiosk_enrolments.id', 'kiosks.id as kioskId', 'kiosks.name as kioskName'])
    .where('code' in secret ? 'kiosk_enrolments.code_hash' : 'kiosk_enrolments.link_hash', '=', hash)
    .where('kiosk_enrolments.used_at', 'is', null)
    .where('kiosk_enrolments.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/**
 * Uses up the enrolment and gives the tablet its credential (shown once, stored hashed). A
 * tablet enrolled before gives up its old credential, so no forgotten one stays valid.
 */
export async function enrolDevice(
  db: Db,
  secret: { code: string } | { linkToken: string },
  label: string,
  previousCredential?: string,
): Promise<{ credential: string; kioskName: string }> {
  return inTransaction(db, async (tx) => {
    const enrolment = await findEnrolment(tx, secret);
    if (!enrolment) {
      throw new ValidationError({
        code: `That code does not work: it may be mistyped, already used, or older than ${enrolmentMinutes} minutes. Ask an admin for a new one.`,
      });
    }
    const used = await tx
      .updateTable('kiosk_enrolments')
      .set({ used_at: sql<Date>`now()` })
      .where('id', '=', enrolment.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) throw new ValidationError({ code: 'That code was just used by another tablet. Ask an admin for a new one.' });
    if (previousCredential) {
      await tx
        .updateTable('kiosk_devices')
        .set({ revoked_at: sql<Date>`now()`, operator_user_id: null, operator_until: null })
        .where('credential_hash', '=', hashToken(previousCredential))
        .where('revoked_at', 'is', null)
        .execute();
    }
    const credential = randomBytes(32).toString('base64url');
    const device = await tx
      .insertInto('kiosk_devices')
      .values({ kiosk_id: enrolment.kioskId, credential_hash: hashToken(credential), label: label.slice(0, 120) || 'Tablet' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordEvent(tx, { userId: null, via: `kiosk ${enrolment.kioskName}` }, { subjectType: 'kiosk', subjectId: enrolment.kioskId, action: 'device-enrolled', particulars: { deviceId: device.id } });
    return { credential, kioskName: enrolment.kioskName };
  });
}

/** "Chrome on Android": enough for an admin to tell tablets apart in the list. */
export function deviceLabel(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'A browser';
  const system = /iPad|iPhone/.test(ua) ? 'iPadOS' : /Android/.test(ua) ? 'Android' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : 'an unknown system';
  return `${browser} on ${system}, enrolled ${fmt.dateTime(new Date())}`;
}

export interface KioskOperator {
  id: number;
  name: string;
  roles: string[];
}

export interface KioskContext {
  deviceId: number;
  kioskId: number;
  kioskName: string;
  queueKeys: string[];
  machineIds: number[];
  idleSeconds: number;
  operator: KioskOperator | null;
  /** The tablet's anti-forgery token: derived from its credential, so no session is needed. */
  csrfToken: string;
  lastSeenAt: Date;
}

function kioskCsrfToken(secret: string, credentialHash: string): string {
  return createHmac('sha256', secret).update(`kiosk-csrf:${credentialHash}`).digest('base64url');
}

export function sameToken(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The tablet behind a credential, with whoever is signed in on it; nothing for a revoked or unknown one. */
export async function kioskForCredential(db: DbOrTx, credential: string, secret: string): Promise<KioskContext | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(credential)) return undefined;
  const credentialHash = hashToken(credential);
  const row = await db
    .selectFrom('kiosk_devices as d')
    .innerJoin('kiosks as k', 'k.id', 'd.kiosk_id')
    .leftJoin('users as u', (join) =>
      join.onRef('u.id', '=', 'd.operator_user_id').on('d.operator_until', '>', sql<Date>`now()`).on('u.active', '=', true),
    )
    .select([
      'd.id as deviceId',
      'd.last_seen_at as lastSeenAt',
      'k.id as kioskId',
      'k.name as kioskName',
      'k.queue_keys as queueKeys',
      'k.machine_ids as machineIds',
      'k.idle_seconds as idleSeconds',
      'u.id as operatorId',
      'u.name as operatorName',
      sql<string[] | null>`case when u.id is not null then array(select role from user_roles where user_id = u.id order by role) end`.as('operatorRoles'),
    ])
    .where('d.credential_hash', '=', credentialHash)
    .where('d.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const { operatorId, operatorName, operatorRoles, ...kiosk } = row;
  return {
    ...kiosk,
    operator: operatorId !== null ? { id: operatorId, name: operatorName!, roles: operatorRoles ?? [] } : null,
    csrfToken: kioskCsrfToken(secret, credentialHash),
  };
}

export async function noteDeviceSeen(db: DbOrTx, deviceId: number): Promise<void> {
  await db.updateTable('kiosk_devices').set({ last_seen_at: sql<Date>`now()` }).where('id', '=', deviceId).execute();
}

/**
 * The server's own limit on a kiosk sign-in, well beyond the tablet's idle return (which
 * needs no request): a backstop for a tablet that lost its page, never cutting off someone
 * still typing a note.
 */
function operatorLifetime(idleSeconds: number): number {
  return Math.max(idleSeconds * 4, 600);
}

export async function keepOperator(db: DbOrTx, kiosk: KioskContext): Promise<void> {
  await db
    .updateTable('kiosk_devices')
    .set({ operator_until: sql<Date>`now() + make_interval(secs => ${operatorLifetime(kiosk.idleSeconds)})` })
    .where('id', '=', kiosk.deviceId)
    .execute();
}

export interface KioskWorker {
  id: number;
  name: string;
}

/** Who can sign in at kiosks: active people with a PIN. */
export async function kioskWorkers(db: DbOrTx): Promise<KioskWorker[]> {
  return db.selectFrom('users').select(['id', 'name']).where('active', '=', true).where('pin_hash', 'is not', null).orderBy(sql`lower(name)`).execute();
}

export async function signInOperator(db: DbOrTx, kiosk: KioskContext, userId: number, pin: string): Promise<PinCheck> {
  const check = await checkPin(db, userId, pin);
  const actor = { userId, via: `kiosk ${kiosk.kioskName}` };
  if (check.outcome === 'accepted') {
    await db
      .updateTable('kiosk_devices')
      .set({ operator_user_id: userId, operator_until: sql<Date>`now() + make_interval(secs => ${operatorLifetime(kiosk.idleSeconds)})` })
      .where('id', '=', kiosk.deviceId)
      .execute();
    await recordEvent(db, actor, { subjectType: 'kiosk', subjectId: kiosk.kioskId, action: 'operator-signed-in' });
  } else if (check.outcome !== 'no-pin') {
    await recordEvent(db, actor, { subjectType: 'kiosk', subjectId: kiosk.kioskId, action: check.outcome === 'locked' ? 'pin-locked' : 'pin-wrong' });
  }
  return check;
}

export async function signOutOperator(db: DbOrTx, kiosk: KioskContext): Promise<void> {
  await db.updateTable('kiosk_devices').set({ operator_user_id: null, operator_until: null }).where('id', '=', kiosk.deviceId).execute();
}
