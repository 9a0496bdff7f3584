import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { recordEvent, type Actor } from '../events/record.js';
import { enqueueMail } from '../mail/outbox.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import type { Role } from '../platform/permissions.js';
import { endSessionsOfUser } from '../platform/session-store.js';
import { findValidToken, issueToken, markTokenUsed, revokeTokens } from '../platform/tokens.js';
import { shopNameProblem } from '../settings/settings.js';
import { roleOptions, userForm } from './forms.js';
import { decoy, hashSecret, passwordProblem, verifySecret } from './passwords.js';

export const passwordResetPurpose = 'password-reset';
const resetLinkHours = 24;
const welcomeLinkHours = 72;

export interface UserSummary {
  id: number;
  name: string;
  email: string;
  active: boolean;
  roles: string[];
  lastLoginAt: Date | null;
  version: number;
  hasPin: boolean;
  pinLockedUntil: Date | null;
}

export interface UserInput {
  name: string;
  email: string;
  roles: string[];
}

function validateUserInput(input: UserInput): FieldErrors {
  return userForm.validate({ ...userForm.blank(), ...input }, { only: ['name', 'email', 'roles'], options: roleOptions });
}

function throwIfErrors(errors: FieldErrors): void {
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
}

async function emailTaken(db: DbOrTx, email: string, exceptUserId?: number): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .$if(exceptUserId !== undefined, (q) => q.where('id', '<>', exceptUserId!))
    .executeTakeFirst();
  return row !== undefined;
}

async function replaceRoles(db: DbOrTx, userId: number, roles: string[]): Promise<void> {
  await db.deleteFrom('user_roles').where('user_id', '=', userId).execute();
  await db
    .insertInto('user_roles')
    .values([...new Set(roles)].map((role) => ({ user_id: userId, role })))
    .execute();
}

export interface SetupInput {
  shopName: string;
  name: string;
  email: string;
  password: string;
}

/** First run: creates the shop's first admin. Refused once any user exists. */
export async function setupFirstAdmin(db: Db, input: SetupInput): Promise<number> {
  const shopName = shopNameProblem(input.shopName);
  const errors: FieldErrors = {
    ...(shopName ? { shopName } : {}),
    ...validateUserInput({ name: input.name, email: input.email, roles: ['admin'] }),
  };
  const weak = passwordProblem(input.password);
  if (weak) errors.password = weak;
  throwIfErrors(errors);
  const passwordHash = await hashSecret(input.password);

  return inTransaction(db, async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtext('traveler:first-run-setup'))`.execute(tx);
    const existing = await tx.selectFrom('users').select('id').limit(1).executeTakeFirst();
    if (existing) throw new HttpError(409, 'Traveler is already set up. Sign in instead.');
    const user = await tx
      .insertInto('users')
      .values({ name: input.name, email: input.email, password_hash: passwordHash, updated_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await replaceRoles(tx, user.id, ['admin']);
    await tx.updateTable('shop_settings').set({ shop_name: input.shopName, updated_at: new Date() }).execute();
    await recordEvent(tx, { userId: user.id }, { subjectType: 'user', subjectId: user.id, action: 'created', particulars: { roles: ['admin'], firstRun: true } });
    return user.id;
  });
}

/** The active user with this email and password, or undefined; timing does not reveal which part was wrong. */
export async function authenticate(db: Db, email: string, password: string): Promise<number | undefined> {
  const user = await db
    .selectFrom('users')
    .select(['id', 'password_hash', 'active'])
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
  const matches = await verifySecret(user?.password_hash ?? (await decoy()), password);
  if (!user || !matches || !user.active) return undefined;
  await noteSignIn(db, user.id);
  return user.id;
}

/** A sign-in, however it came about (password, first-run setup, a set-password link): "Last sign-in" and the history say so. */
export async function noteSignIn(db: Db, userId: number, via?: string): Promise<void> {
  await db.updateTable('users').set({ last_login_at: sql<Date>`now()` }).where('id', '=', userId).execute();
  await recordEvent(db, { userId, ...(via ? { via } : {}) }, { subjectType: 'user', subjectId: userId, action: 'signed-in' });
}

export async function listRoles(db: DbOrTx) {
  return db.selectFrom('roles').select(['name', 'label', 'description']).orderBy('position').execute();
}

function selectUserSummaries(db: DbOrTx) {
  return db
    .selectFrom('users')
    .select([
      'id',
      'name',
      'email',
      'active',
      'last_login_at as lastLoginAt',
      'version',
      sql<string[]>`array(select role from user_roles where user_id = users.id order by role)`.as('roles'),
      sql<boolean>`pin_hash is not null`.as('hasPin'),
      sql<Date | null>`case when pin_locked_until > now() then pin_locked_until end`.as('pinLockedUntil'),
    ]);
}

export async function listUsers(db: DbOrTx): Promise<UserSummary[]> {
  return selectUserSummaries(db).orderBy('active', 'desc').orderBy(sql`lower(name)`).execute();
}

export async function findUser(db: DbOrTx, userId: number): Promise<UserSummary | undefined> {
  return selectUserSummaries(db).where('id', '=', userId).executeTakeFirst();
}

export interface NewUserInput extends UserInput {
  /** Empty: the person gets an email with a link to choose their own password. */
  password: string;
}

export async function createUser(db: Db, actor: Actor, input: NewUserInput): Promise<number> {
  const errors = validateUserInput(input);
  if (input.password !== '') {
    const weak = passwordProblem(input.password);
    if (weak) errors.password = weak;
  }
  if (!errors.email && (await emailTaken(db, input.email))) errors.email = 'Someone already uses this email address.';
  throwIfErrors(errors);
  // No password chosen: store a hash of a random secret nobody knows until the link is used.
  const passwordHash = await hashSecret(input.password !== '' ? input.password : randomUUID());

  return inTransaction(db, async (tx) => {
    const user = await tx
      .insertInto('users')
      .values({ name: input.name, email: input.email, password_hash: passwordHash, updated_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow()
      .catch((error: { code?: string }) => {
        if (error.code === '23505') throw new ValidationError({ email: 'Someone already uses this email address.' });
        throw error;
      });
    await replaceRoles(tx, user.id, input.roles);
    await recordEvent(tx, actor, { subjectType: 'user', subjectId: user.id, action: 'created', particulars: { roles: input.roles } });
    if (input.password === '') {
      const { token } = await issueToken(tx, {
        purpose: passwordResetPurpose,
        subjectType: 'user',
        subjectId: user.id,
        lifetimeMs: welcomeLinkHours * 3600_000,
        createdBy: actor.userId,
      });
      await enqueueMail(tx, {
        template: 'welcome',
        to: input.email,
        data: { name: input.name, email: input.email, setPasswordPath: `/password-reset/${token}`, expiresInHours: welcomeLinkHours },
        idempotencyKey: `welcome:${user.id}`,
      });
    }
    return user.id;
  });
}

export interface UserUpdate extends UserInput {
  active: boolean;
  version: number;
}

async function activeAdminsOtherThan(db: DbOrTx, userId: number): Promise<number> {
  const row = await db
    .selectFrom('users')
    .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('user_roles.role', '=', 'admin' satisfies Role)
    .where('users.active', '=', true)
    .where('users.id', '<>', userId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function updateUser(db: Db, actor: Actor, userId: number, input: UserUpdate): Promise<void> {
  const errors = validateUserInput(input);
  if (!errors.email && (await emailTaken(db, input.email, userId))) errors.email = 'Someone already uses this email address.';
  if (actor.userId === userId && !input.active) errors.active = 'You cannot deactivate your own account.';
  throwIfErrors(errors);

  await inTransaction(db, async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtext('traveler:admin-roles'))`.execute(tx);
    const keepsAdmin = input.active && input.roles.includes('admin');
    if (!keepsAdmin && (await activeAdminsOtherThan(tx, userId)) === 0) {
      throw new ValidationError({ roles: 'Traveler needs at least one active admin. Make someone else an admin first.' });
    }
    const before = await findUser(tx, userId);
    if (!before) throw new HttpError(404);
    const updated = await tx
      .updateTable('users')
      .set({ name: input.name, email: input.email, active: input.active, updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
      .where('id', '=', userId)
      .where('version', '=', input.version)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      throw new ConflictError(`${before.name} was changed by someone else while you were editing. Their version is shown below; press Save again to replace it with yours.`);
    }
    await replaceRoles(tx, userId, input.roles);
    await recordEvent(tx, actor, {
      subjectType: 'user',
      subjectId: userId,
      action: before.active && !input.active ? 'deactivated' : !before.active && input.active ? 'reactivated' : 'updated',
      particulars: { name: input.name, email: input.email, roles: input.roles, previousRoles: before.roles },
    });
    // A deactivated person keeps no way in: no session, and no emailed link that a later
    // reactivation would bring back to life.
    if (!input.active) {
      await endSessionsOfUser(tx, userId);
      await revokeTokens(tx, { type: 'user', id: userId });
    }
  });
}

export async function setPassword(db: Db, actor: Actor, userId: number, password: string, keepSessionId?: string): Promise<void> {
  const weak = passwordProblem(password);
  if (weak) throw new ValidationError({ password: weak });
  const passwordHash = await hashSecret(password);
  await inTransaction(db, async (tx) => {
    const result = await tx
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: sql<Date>`now()` })
      .where('id', '=', userId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new HttpError(404);
    await revokeTokens(tx, { type: 'user', id: userId }, passwordResetPurpose);
    await recordEvent(tx, actor, { subjectType: 'user', subjectId: userId, action: 'password-set' });
    await endSessionsOfUser(tx, userId, keepSessionId);
  });
}

export async function changeOwnPassword(db: Db, userId: number, current: string, next: string, sessionId: string): Promise<void> {
  const row = await db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirstOrThrow();
  const errors: FieldErrors = {};
  if (!(await verifySecret(row.password_hash, current))) errors.currentPassword = 'That is not your current password.';
  const weak = passwordProblem(next);
  if (weak) errors.newPassword = weak;
  throwIfErrors(errors);
  await setPassword(db, { userId }, userId, next, sessionId);
}

/** Emails a one-time link; the person chooses a new password there. */
export async function sendPasswordReset(db: Db, actor: Actor, userId: number): Promise<void> {
  await inTransaction(db, async (tx) => {
    const user = await tx.selectFrom('users').select(['id', 'name', 'email', 'active']).where('id', '=', userId).executeTakeFirst();
    if (!user) throw new HttpError(404);
    if (!user.active) throw new ValidationError({ reset: `${user.name} is deactivated; reactivate the account first.` });
    await revokeTokens(tx, { type: 'user', id: user.id }, passwordResetPurpose);
    const { token } = await issueToken(tx, {
      purpose: passwordResetPurpose,
      subjectType: 'user',
      subjectId: user.id,
      lifetimeMs: resetLinkHours * 3600_000,
      createdBy: actor.userId,
    });
    await enqueueMail(tx, {
      template: 'password-reset',
      to: user.email,
      data: { name: user.name, resetPath: `/password-reset/${token}`, expiresInHours: resetLinkHours },
      idempotencyKey: `password-reset:${user.id}:${token.slice(0, 12)}`,
    });
    await recordEvent(tx, actor, { subjectType: 'user', subjectId: user.id, action: 'password-reset-sent' });
  });
}

/** "Forgot password": same answer whether or not the address has an account. */
export async function requestPasswordReset(db: Db, email: string): Promise<void> {
  const user = await db
    .selectFrom('users')
    .select('id')
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .where('active', '=', true)
    .executeTakeFirst();
  if (user) await sendPasswordReset(db, { userId: null, via: 'forgot-password form' }, user.id);
}

export async function userForResetToken(db: Db, token: string): Promise<{ id: number; name: string } | undefined> {
  const valid = await findValidToken(db, token, passwordResetPurpose);
  if (!valid || valid.subjectType !== 'user') return undefined;
  return db.selectFrom('users').select(['id', 'name']).where('id', '=', valid.subjectId).where('active', '=', true).executeTakeFirst();
}

export async function resetPasswordWithToken(db: Db, token: string, password: string): Promise<number> {
  const weak = passwordProblem(password);
  if (weak) throw new ValidationError({ password: weak });
  const valid = await findValidToken(db, token, passwordResetPurpose);
  const active = valid?.subjectType === 'user' ? await db.selectFrom('users').select('id').where('id', '=', valid.subjectId).where('active', '=', true).executeTakeFirst() : undefined;
  if (!valid || !active) throw new HttpError(404, 'This link has expired or was already used. Ask for a new one.');
  if (!(await markTokenUsed(db, valid.id))) throw new HttpError(404, 'This link was already used. Ask for a new one.');
  await setPassword(db, { userId: active.id, via: 'password reset link' }, active.id, password);
  return active.id;
}
