import type { DbOrTx } from '../db/database.js';
import { actingRole } from '../platform/acting.js';

export interface Actor {
  userId: number | null;
  /** How the actor acted when not at their own desk, e.g. "via kiosk Router bay". */
  via?: string;
  /** The role they acted in; by default the request's (src/platform/acting.ts). */
  role?: string | null;
}

/** A person acting, at their desk or at a kiosk (`kioskId`). */
export interface PersonActor extends Actor {
  userId: number;
  kioskId: number | null;
}

export interface EventInput {
  subjectType: string;
  subjectId: number;
  action: string;
  fromStatus?: string;
  toStatus?: string;
  note?: string;
  particulars?: Record<string, unknown>;
}

/** Appends one row to the events table, the history every module reads from. */
export async function recordEvent(db: DbOrTx, actor: Actor, event: EventInput): Promise<void> {
  await eventInsert(db, actor, event).execute();
}

/** The insert recordEvent runs, for a caller that folds it into a statement of its own. */
export function eventInsert(db: DbOrTx, actor: Actor, event: EventInput) {
  return db
    .insertInto('events')
    .values({
      actor_user_id: actor.userId,
      actor_via: actor.via ?? null,
      actor_role: actor.role === undefined ? actingRole() : actor.role,
      subject_type: event.subjectType,
      subject_id: event.subjectId,
      action: event.action,
      from_status: event.fromStatus ?? null,
      to_status: event.toStatus ?? null,
      note: event.note ?? null,
      particulars: JSON.stringify(event.particulars ?? {}),
    });
}
