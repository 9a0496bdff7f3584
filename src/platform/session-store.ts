import { createHash } from 'node:crypto';
import type { Session } from 'fastify';
import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';

declare module 'fastify' {
  interface Session {
    userId?: number;
    flash?: string;
  }
}

const defaultLifetimeMs = 12 * 60 * 60 * 1000;

export function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

function expiryOf(session: Session): Date {
  const expires = session.cookie.expires;
  if (expires) return new Date(expires);
  return new Date(Date.now() + (session.cookie.originalMaxAge ?? defaultLifetimeMs));
}

/** A @fastify/session store in PostgreSQL; rows are keyed by the hash of the session id. */
export class PostgresSessionStore {
  constructor(private readonly db: Db) {}

  set(sessionId: string, session: Session, callback: (err?: unknown) => void): void {
    const row = {
      id_hash: hashSessionId(sessionId),
      data: JSON.stringify(session),
      user_id: session.userId ?? null,
      expires_at: expiryOf(session),
      updated_at: new Date(),
    };
    this.db
      .insertInto('sessions')
      .values(row)
      .onConflict((oc) =>
        oc.column('id_hash').doUpdateSet({
          data: row.data,
          user_id: row.user_id,
          expires_at: row.expires_at,
          updated_at: row.updated_at,
        }),
      )
      .execute()
      .then(() => callback(), callback);
  }

  get(sessionId: string, callback: (err: unknown, session?: Session | null) => void): void {
    this.db
      .selectFrom('sessions')
      .select('data')
      .where('id_hash', '=', hashSessionId(sessionId))
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst()
      .then((row) => callback(null, row ? (row.data as unknown as Session) : null), callback);
  }

  destroy(sessionId: string, callback: (err?: unknown) => void): void {
    this.db
      .deleteFrom('sessions')
      .where('id_hash', '=', hashSessionId(sessionId))
      .execute()
      .then(() => callback(), callback);
  }
}

export async function deleteExpiredSessions(db: Db): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', sql<Date>`now()`).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function endSessionsOfUser(db: DbOrTx, userId: number, exceptSessionId?: string): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .$if(exceptSessionId !== undefined, (q) => q.where('id_hash', '<>', hashSessionId(exceptSessionId!)))
    .execute();
}
