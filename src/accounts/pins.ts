import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import { recordEvent, type Actor } from '../events/record.js';
import { ValidationError } from '../platform/errors.js';
import { decoy, hashSecret, verifySecret } from './passwords.js';

const pinFailuresBeforeLockout = 5;
const pinLockoutMinutes = 15;

/** Why a PIN cannot be used, or undefined when it can. */
export function pinProblem(pin: string): string | undefined {
  if (!/^\d{4,6}$/.test(pin)) return 'Use 4 to 6 digits.';
  if (/^(\d)\1+$/.test(pin)) return 'Use different digits, not the same one repeated.';
  if ('01234567890'.includes(pin) || '09876543210'.includes(pin)) return 'Use digits that are not simply counting up or down.';
  return undefined;
}

/** Sets (or replaces) a person's PIN; a new PIN also lifts any lockout. */
export async function setPin(db: DbOrTx, actor: Actor, userId: number, pin: string, field = 'pin'): Promise<void> {
  const problem = pinProblem(pin);
  if (problem) throw new ValidationError({ [field]: problem });
  await db
    .updateTable('users')
    .set({ pin_hash: await hashSecret(pin), pin_failures: 0, pin_locked_until: null, updated_at: sql<Date>`now()` })
    .where('id', '=', userId)
    .execute();
  await recordEvent(db, actor, { subjectType: 'user', subjectId: userId, action: 'pin-set' });
}

export async function removePin(db: DbOrTx, actor: Actor, userId: number): Promise<void> {
  await db.updateTable('users').set({ pin_hash: null, pin_failures: 0, pin_locked_until: null }).where('id', '=', userId).execute();
  await recordEvent(db, actor, { subjectType: 'user', subjectId: userId, action: 'pin-removed' });
}

export type PinCheck =
  | { outcome: 'accepted' }
  | { outcome: 'wrong'; triesLeft: number }
  | { outcome: 'locked'; until: Date }
  | { outcome: 'no-pin' };

/**
 * Checks a PIN, counting wrong tries: after five in a row the person is locked out for 15
 * minutes (an admin setting a new PIN lifts it). The count is kept in the database, so it
 * holds across kiosks and app instances.
 */
export async function checkPin(db: DbOrTx, userId: number, pin: string): Promise<PinCheck> {
  const person = await db
    .selectFrom('users')
    .select(['pin_hash', 'pin_locked_until'])
    .where('id', '=', userId)
    .where('active', '=', true)
    .executeTakeFirst();
  if (!person?.pin_hash) {
    await verifySecret(await decoy(), pin);
    return { outcome: 'no-pin' };
  }
  if (person.pin_locked_until && person.pin_locked_until > new Date()) return { outcome: 'locked', until: person.pin_locked_until };
  if (await verifySecret(person.pin_hash, pin)) {
    await db.updateTable('users').set({ pin_failures: 0, pin_locked_until: null }).where('id', '=', userId).execute();
    return { outcome: 'accepted' };
  }
  const counted = await db
    .updateTable('users')
    .set({
      pin_failures: sql<number>`case when pin_failures + 1 >= ${pinFailuresBeforeLockout} then 0 else pin_failures + 1 end`,
      pin_locked_until: sql<Date | null>`case when pin_failures + 1 >= ${pinFailuresBeforeLockout} then now() + make_interval(mins => ${pinLockoutMinutes}) else null end`,
    })
    .where('id', '=', userId)
    .returning(['pin_failures', 'pin_locked_until'])
    .executeTakeFirstOrThrow();
  if (counted.pin_locked_until) return { outcome: 'locked', until: counted.pin_locked_until };
  return { outcome: 'wrong', triesLeft: pinFailuresBeforeLockout - counted.pin_failures };
}
