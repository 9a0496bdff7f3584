import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';

export interface QueueNavEntry {
  key: string;
  label: string;
  count: number;
  owned: boolean;
  /** Items that entered an owned queue since this person last opened it. */
  newCount: number;
}

/**
 * Every queue with its count, and for the queues this person owns (by role, unless they opted
 * out, or by opting in) how many items arrived since their last visit. One query.
 */
export async function queueNavigation(db: DbOrTx, user: { id: number; roles: string[] }): Promise<QueueNavEntry[]> {
  const rows = await sql<{ key: string; label: string; count: number; owned: boolean; newCount: number | null }>`
    select q.key, q.label, q.item_count as count, owned.value as owned,
           case when owned.value then (
             select count(*)::int from line_items li
              where li.status in (select ws.key from workflow_statuses ws where ws.queue_key = q.key)
                and li.status_entered_at > coalesce(v.last_seen_at, '-infinity'::timestamptz)
           ) end as "newCount"
      from queues q
      left join queue_visits v on v.queue_key = q.key and v.user_id = ${user.id}
      left join queue_subscriptions s on s.queue_key = q.key and s.user_id = ${user.id}
      cross join lateral (select coalesce(s.subscribed, q.owner_roles && ${sql.val(user.roles)}::text[]) as value) owned
     where q.workflow = 'production'
     order by q.position`.execute(db);
  return rows.rows.map((row) => ({ ...row, count: Number(row.count), newCount: Number(row.newCount ?? 0) }));
}

export async function recordQueueVisit(db: DbOrTx, userId: number, queueKey: string): Promise<void> {
  await db
    .insertInto('queue_visits')
    .values({ user_id: userId, queue_key: queueKey, last_seen_at: sql<Date>`now()` })
    .onConflict((oc) => oc.columns(['user_id', 'queue_key']).doUpdateSet({ last_seen_at: sql<Date>`now()` }))
    .execute();
}

/** The queue's change number: a refresh that already has it needs nothing else. */
export async function queueChangeSeq(db: DbOrTx, queueKey: string): Promise<number | undefined> {
  const row = await db.selectFrom('queues').select('change_seq').where('key', '=', queueKey).executeTakeFirst();
  return row?.change_seq;
}

export async function setQueueSubscription(db: DbOrTx, userId: number, queueKey: string, subscribed: boolean): Promise<void> {
  await db
    .insertInto('queue_subscriptions')
    .values({ user_id: userId, queue_key: queueKey, subscribed })
    .onConflict((oc) => oc.columns(['user_id', 'queue_key']).doUpdateSet({ subscribed }))
    .execute();
}
