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

export interface SessionUser {
  id: number;
  name: string;
  email: string;
  roles: string[];
}

/**
 * A @fastify/session store in PostgreSQL; rows are keyed by the hash of the session id.
 * Loading a session also loads its active user in the same query, so a signed-in request
 * costs one lookup before the route's own work; the auth hook takes the user with takeUser().
 */
export class PostgresSessionStore {
  private readonly loadedUsers = new Map<string, SessionUser | null>();
  /**
   * Sessions read in the last few seconds, with their user. A page that refreshes itself every
   * few seconds then costs no session lookup. This instance forgets an entry as soon as it
   * saves, destroys or changes users; another instance's sign-out or deactivation applies here
   * within `cacheMs`.
   */
  private readonly recent = new Map<string, { data: string; user: SessionUser | null; loadedAt: number; expiresAt: number }>();

  constructor(
    private readonly db: Db,
    private readonly cacheMs = 5000,
  ) {}

  forgetAll(): void {
    this.recent.clear();
  }

  /** The user loaded with this request's session (null: none or deactivated); undefined if not loaded. */
  takeUser(sessionId: string): SessionUser | null | undefined {
    const key = hashSessionId(sessionId);
    const user = this.loadedUsers.get(key);
    this.loadedUsers.delete(key);
    return user;
  }

  set(sessionId: string, session: Session, callback: (err?: unknown) => void): void {
    const row = {
      id_hash: hashSessionId(sessionId),
      data: JSON.stringify(session),
      user_id: session.userId ?? null,
      expires_at: expiryOf(session),
      updated_at: new Date(),
    };
    const save = () =>
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
        .execute();
    // Saving is the last step of an answer whose work is done: a connection cut just then gets
    // one more try on a fresh connection before the answer fails.
    save()
      .catch(save)
      .then(() => {
        this.recent.delete(row.id_hash);
        callback();
      }, callback);
  }

  get(sessionId: string, callback: (err: unknown, session?: Session | null) => void): void {
    const key = hashSessionId(sessionId);
    const cached = this.recent.get(key);
    if (cached && Date.now() - cached.loadedAt < this.cacheMs && Date.now() < cached.expiresAt) {
      this.loadedUsers.set(key, cached.user);
      callback(null, JSON.parse(cached.data) as Session);
      return;
    }
    this.db
      .selectFrom('sessions')
      .leftJoin('users', (join) => join.onRef('users.id', '=', 'sessions.user_id').on('users.active', '=', true))
      .select([
        'sessions.data',
        'users.id as userId',
        'users.name',
        'users.email',
        sql<string[] | null>`case when users.id is not null then array(select role from user_roles where user_id = users.id order by role) end`.as('roles'),
        'sessions.expires_at as expiresAt',
      ])
      .where('sessions.id_hash', '=', key)
      .where('sessions.expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst()
      .then((row) => {
        if (row) {
          // Requests that never reach the auth hook must not make these grow without bound.
          if (this.loadedUsers.size > 10_000) this.loadedUsers.clear();
          if (this.recent.size > 10_000) this.recent.clear();
          const user = row.userId !== null ? { id: row.userId, name: row.name!, email: row.email!, roles: row.roles ?? [] } : null;
          this.loadedUsers.set(key, user);
          if (this.cacheMs > 0) this.recent.set(key, { data: JSON.stringify(row.data), user, loadedAt: Date.now(), expiresAt: new Date(row.expiresAt).getTime() });
        }
        callback(null, row ? (row.data as unknown as Session) : null);
      }, callback);
  }

  destroy(sessionId: string, callback: (err?: unknown) => void): void {
    this.recent.delete(hashSessionId(sessionId));
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
