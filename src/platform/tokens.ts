import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/** Issues a 256-bit single-purpose token for an email link; only its hash is stored. */
export async function issueToken(
  db: DbOrTx,
  input: { purpose: string; subjectType: string; subjectId: number; lifetimeMs: number; createdBy: number | null },
): Promise<IssuedToken> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + input.lifetimeMs);
  await db
    .insertInto('access_tokens')
    .values({
      token_hash: hashToken(token),
      purpose: input.purpose,
      subject_type: input.subjectType,
      subject_id: input.subjectId,
      expires_at: expiresAt,
      created_by: input.createdBy,
    })
    .execute();
  return { token, expiresAt };
}

export interface ValidToken {
  id: number;
  subjectType: string;
  subjectId: number;
}

export type TokenProblem = 'unknown' | 'expired' | 'revoked' | 'used';

/** Why a link does not work, so the page can say what is true: no such link, expired, withdrawn or used. */
export async function tokenProblem(db: DbOrTx, token: string, purpose: string): Promise<TokenProblem | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return 'unknown';
  const row = await db
    .selectFrom('access_tokens')
    .select([sql<boolean>`expires_at <= now()`.as('expired'), 'revoked_at', 'used_at'])
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', purpose)
    .executeTakeFirst();
  if (!row) return 'unknown';
  if (row.revoked_at) return 'revoked';
  if (row.used_at) return 'used';
  return row.expired ? 'expired' : undefined;
}

/** The token's subject if it is for this purpose, unexpired, unrevoked and unused. */
export async function findValidToken(db: DbOrTx, token: string, purpose: string): Promise<ValidToken | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const row = await db
    .selectFrom('access_tokens')
    .select(['id', 'subject_type', 'subject_id'])
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', purpose)
    .where('expires_at', '>', sql<Date>`now()`)
    .where('revoked_at', 'is', null)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return row && { id: row.id, subjectType: row.subject_type, subjectId: row.subject_id };
}

export async function markTokenUsed(db: DbOrTx, tokenId: number): Promise<boolean> {
  const result = await db
    .updateTable('access_tokens')
    .set({ used_at: sql<Date>`now()` })
    .where('id', '=', tokenId)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Unused links for this subject stop working: of one purpose, or (a person deactivated) of every purpose. */
export async function revokeTokens(db: DbOrTx, subject: { type: string; id: number }, purpose?: string): Promise<void> {
  await db
    .updateTable('access_tokens')
    .set({ revoked_at: sql<Date>`now()` })
    .where('subject_type', '=', subject.type)
    .where('subject_id', '=', subject.id)
    .$if(purpose !== undefined, (q) => q.where('purpose', '=', purpose!))
    .where('revoked_at', 'is', null)
    .where('used_at', 'is', null)
    .execute();
}
