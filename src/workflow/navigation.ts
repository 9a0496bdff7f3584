import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';

/** "99+" is as much as anyone needs to know, and counting further costs every page view. */
export const newCountCap = 100;

/** A workflow's queues and the table of the subjects that move through them. */
export interface QueueSet {
  workflow: string;
  subjectTable: string;
}

export interface QueueNavEntry {
  key: string;
  label: string;
  count: number;
  owned: boolean;
  /** Items that entered an owned queue since this person last opened it. */
  newCount: number;
  changeSeq: number;
  lastSeenAt: Date | null;
}

export interface SavedView {
  id: number;
  name: string;
  query: string;
}

export interface Navigation {
  queueNav: QueueNavEntry[];
  unreadAlerts: number;
  /** This person's saved views of `savedViewsOf`'s queue (empty when none was asked for). */
  savedViews: SavedView[];
}

/**
 * What the navigation shows, in one query: every queue of the workflow with its count and
 * change number, for the queues this person owns (by role, unless they opted out, or by opting
 * in) how many subjects arrived since their last visit, how many of their alerts are unread,
 * and (on a queue page) their saved views of that queue.
 *
 * The new arrivals are read per status, newest first, from the subject table's
 * (status, status_entered_at) index: asked for "status in (the queue's statuses)", PostgreSQL
 * cannot know how many rows match and on a freshly analyzed million-row table chose a full scan
 * (1.6 s per page). The cap is a literal, not a parameter: with an unknown LIMIT the prepared
 * statement's generic plan looked dearer than a fresh one, so PostgreSQL planned the query anew
 * on every page (1 ms of 1.3).
 */
export async function loadNavigation(db: DbOrTx, queues: QueueSet, user: { id: number; roles: string[] }, withQueues: boolean, savedViewsOf: string | null = null): Promise<Navigation> {
  const subjects = sql.table(queues.subjectTable);
  const rows = await sql<{ key: string; label: string; count: number; owned: boolean; newCount: number | null; changeSeq: number; lastSeenAt: Date | null; unreadAlerts: number; savedViews: SavedView[] }>`
    select q.key, q.label, t.item_count as count, owned.value as owned, t.change_seq as "changeSeq", v.last_seen_at as "lastSeenAt",
           case when owned.value then (
             select count(*)::int from (
               select 1 from workflow_statuses ws
               cross join lateral (
                 select 1 from ${subjects} s
                  where s.status = ws.key
                    and s.status_entered_at > coalesce(v.last_seen_at, '-infinity'::timestamptz)
                  order by s.status_entered_at desc
                  limit ${sql.lit(newCountCap)}) newest
                where ws.workflow = q.workflow and ws.queue_key = q.key
                limit ${sql.lit(newCountCap)}) arrived
           ) end as "newCount",
           (select count(*)::int from alerts a where a.user_id = ${user.id} and a.read_at is null) as "unreadAlerts",
           (select coalesce(json_agg(json_build_object('id', sv.id, 'name', sv.name, 'query', sv.query) order by sv.name), '[]')
              from saved_views sv where sv.user_id = ${user.id} and sv.workflow = ${queues.workflow} and sv.queue_key = ${savedViewsOf}::text) as "savedViews"
      from queues q
      join queue_totals t on t.workflow = q.workflow and t.key = q.key
      left join queue_visits v on v.workflow = q.workflow and v.queue_key = q.key and v.user_id = ${user.id}
      left join queue_subscriptions s on s.workflow = q.workflow and s.queue_key = q.key and s.user_id = ${user.id}
      cross join lateral (select coalesce(s.subscribed, q.owner_roles && ${sql.val(user.roles)}::text[]) as value) owned
     where q.workflow = ${queues.workflow}
     order by q.position, q.key`.execute(db);
  const queueNav = rows.rows.map(({ unreadAlerts: _unread, savedViews: _views, ...row }) => ({
    ...row,
    count: Number(row.count),
    newCount: Number(row.newCount ?? 0),
    changeSeq: Number(row.changeSeq),
  }));
  const first = rows.rows[0];
  const unreadAlerts = first ? Number(first.unreadAlerts) : await unreadAlertCount(db, user.id);
  return { queueNav: withQueues ? queueNav : [], unreadAlerts, savedViews: first?.savedViews ?? [] };
}

async function unreadAlertCount(db: DbOrTx, userId: number): Promise<number> {
  const row = await db.selectFrom('alerts').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function queueNavigation(db: DbOrTx, queues: QueueSet, user: { id: number; roles: string[] }): Promise<QueueNavEntry[]> {
  return (await loadNavigation(db, queues, user, true)).queueNav;
}

/** A visit is worth writing when none is recorded or the last is over 10 seconds old. */
export function visitIsStale(lastSeenAt: Date | null): boolean {
  return lastSeenAt === null || Date.now() - lastSeenAt.getTime() > 10_000;
}

export async function recordQueueVisit(db: DbOrTx, userId: number, workflow: string, queueKey: string): Promise<void> {
  await db
    .insertInto('queue_visits')
    .values({ user_id: userId, workflow, queue_key: queueKey, last_seen_at: sql<Date>`now()` })
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'workflow', 'queue_key'])
        .doUpdateSet({ last_seen_at: sql<Date>`now()` })
        .where('queue_visits.last_seen_at', '<', sql<Date>`now() - interval '10 seconds'`),
    )
    .execute();
}

export async function setQueueSubscription(db: DbOrTx, userId: number, workflow: string, queueKey: string, subscribed: boolean): Promise<void> {
  await db
    .insertInto('queue_subscriptions')
    .values({ user_id: userId, workflow, queue_key: queueKey, subscribed })
    .onConflict((oc) => oc.columns(['user_id', 'workflow', 'queue_key']).doUpdateSet({ subscribed }))
    .execute();
}
