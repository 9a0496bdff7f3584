import type { DbOrTx } from '../db/database.js';

/** Events with the name of whoever made them, newest first: what every history page reads. */
export function eventsWithActors(db: DbOrTx) {
  return db
    .selectFrom('events')
    .leftJoin('users', 'users.id', 'events.actor_user_id')
    .select([
      'events.id',
      'events.subject_type as subjectType',
      'events.subject_id as subjectId',
      'events.occurred_at as occurredAt',
      'users.name as actorName',
      'events.actor_via as actorVia',
      'events.actor_role as actorRole',
      'events.action',
      'events.from_status as fromStatus',
      'events.to_status as toStatus',
      'events.note',
      'events.particulars',
    ])
    .orderBy('events.id', 'desc')
    .limit(500);
}

/** Who changed this subject last (a person's name, or how it was changed, e.g. "demo data"). */
export async function lastActor(db: DbOrTx, subjectType: string, subjectId: number): Promise<string | null> {
  const row = await eventsWithActors(db).where('events.subject_type', '=', subjectType).where('events.subject_id', '=', subjectId).limit(1).executeTakeFirst();
  return row ? (row.actorName ?? row.actorVia) : null;
}
