import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';

/** "99+" is as much as anyone needs to know, and counting further costs every page view. */
export const newCountCap = 100;

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
 * What the navigation shows, in one query: every queue with its count and change number, for
 * the queues this person owns (by role, unless they opted out, or by opting in) how many items
 * arrived since their last visit, how many of their alerts are unread, and (on a queue page)
 * their saved views of that queue.
 *
 * The new items are read per status, newest first, from the (status, status_entered_at) index:
 * asked for "status in (the queue's statuses)", PostgreSQL cannot know how many rows match and
 * on a freshly analyzed million-row table chose a full scan (1.6 s per page). The cap is a
 * literal, not a parameter: with an unknown LIMIT the prepared statement's generic plan looked
 * dearer than a fresh one, so PostgreSQL planned the query anew on every page (1 ms of 1.3).
 */
export async function loadNavigation(db: DbOrTx, user: { id: number; roles: string[] }, withQueues: boolean, savedViewsOf: string | null = null): Promise<Navigation> {
  const rows = await sql<{ key: string; label: string; count: number; owned: boolean; newCount: number | null; changeSeq: number; lastSeenAt: Date | null; unreadAlerts: number; savedViews: SavedView[] }>`
    select q.key, q.label, t.item_count as count, owned.value as owned, t.change_seq as "changeSeq", v.last_seen_at as "lastSeenAt",
           case when owned.value then (
             select count(*)::int from (
               select 1 from workflow_statuses ws
               cross join lateral (
                 select 1 from line_items li
                  where li.status = ws.key
                    and li.status_entered_at > coalesce(v.last_seen_at, '-infinity'::timestamptz)
                  order by li.status_entered_at desc
                  limit ${sql.lit(newCountCap)}) newest
                where ws.queue_key = q.key
                limit ${sql.lit(newCountCap)}) arrived
           ) end as "newCount",
           (select count(*)::int from alerts a where a.user_id = ${user.id} and a.read_at is null) as "unreadAlerts",
           (select coalesce(json_agg(json_build_object('id', sv.id, 'name', sv.name, 'query', sv.query) order by sv.name), '[]')
              from saved_views sv where sv.user_id = ${user.id} and sv.queue_key = ${savedViewsOf}::text) as "savedViews"
      from queues q
      join queue_totals t on t.key = q.key
      left join queue_visits v on v.queue_key = q.key and v.user_id = ${user.id}
      left join queue_subscriptions s on s.queue_key = q.key and s.user_id = ${user.id}
      cross join lateral (select coalesce(s.subscribed, q.owner_roles && ${sql.val(user.roles)}::text[]) as value) owned
     where q.workflow = 'production'
     order by q.position`.execute(db);
  const queueNav = rows.rows.map(({ unreadAlerts: _unread, savedViews: _views, ...row }) => ({
    ...row,
    count: Number(row.count),
    newCount: Number(row.newCount ?? 0),
    changeSeq: Number(row.changeSeq),
  }));
  return { queueNav: withQueues ? queueNav : [], unreadAlerts: Number(rows.rows[0]?.unreadAlerts ?? 0), savedViews: rows.rows[0]?.savedViews ?? [] };
}

export async function queueNavigation(db: DbOrTx, user: { id: number; roles: string[] }): Promise<QueueNavEntry[]> {
  return (await loadNavigation(db, user, true)).queueNav;
}

/** A visit is worth writing when none is recorded or the last is over 10 seconds old. */
export function visitIsStale(lastSeenAt: Date | null): boolean {
  return lastSeenAt === null || Date.now() - lastSeenAt.getTime() > 10_000;
}

export async function recordQueueVisit(db: DbOrTx, userId: number, queueKey: string): Promise<void> {
  await db
    .insertInto('queue_visits')
    .values({ user_id: userId, queue_key: queueKey, last_seen_at: sql<Date>`now()` })
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'queue_key'])
        .doUpdateSet({ last_seen_at: sql<Date>`now()` })
        .where('queue_visits.last_seen_at', '<', sql<Date>`now() - interval '10 seconds'`),
    )
    .execute();
}

/** The queue's change number: a refresh that already has it needs nothing else. */
export async function queueChangeSeq(db: DbOrTx, queueKey: string): Promise<number | undefined> {
  const row = await db.selectFrom('queue_totals').select('change_seq').where('key', '=', queueKey).executeTakeFirst();
  return row === undefined ? undefined : Number(row.change_seq);
}

/** Every queue's current item count, as the navigation shows it. */
export async function queueCounts(db: DbOrTx): Promise<Record<string, number>> {
  const rows = await db.selectFrom('queue_totals').select(['key', 'item_count']).execute();
  return Object.fromEntries(rows.map((row) => [row.key, Number(row.item_count)]));
}

/**
 * Folds the waiting count deltas into the queues' own rows, keeping each queue's count and
 * change number the same across the fold. Only committed rows are seen and removed; one
 * instance folds at a time.
 */
export async function foldQueueChanges(db: Db): Promise<number> {
  return inTransaction(db, async (tx) => {
    const locked = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtext('traveler:fold-queue-changes')) as locked`.execute(tx);
    if (!locked.rows[0]?.locked) return 0;
    const result = await sql<{ folded: number }>`
      with folded as (delete from queue_changes returning queue_key, delta),
           totals as (select queue_key, sum(delta)::int as delta, count(*) as changes from folded group by queue_key),
           applied as (update queues q set item_count = q.item_count + t.delta, change_seq = q.change_seq + t.changes
                         from totals t where q.key = t.queue_key returning t.changes)
      select coalesce(sum(changes), 0)::int as folded from applied`.execute(tx);
    return result.rows[0]?.folded ?? 0;
  });
}

export async function setQueueSubscription(db: DbOrTx, userId: number, queueKey: string, subscribed: boolean): Promise<void> {
  await db
    .insertInto('queue_subscriptions')
    .values({ user_id: userId, queue_key: queueKey, subscribed })
    .onConflict((oc) => oc.columns(['user_id', 'queue_key']).doUpdateSet({ subscribed }))
    .execute();
}

/**
 * Each queue's change number as an open page's refresh sees it: read from the database at
 * most once a second per app instance, so a refresh that finds nothing new usually costs no
 * query at all. A change still shows within the page's 3 s poll plus this second.
 */
export class ChangeNumbers {
  private readonly known = new Map<string, { seq: number; readAt: number }>();

  constructor(
    private readonly db: DbOrTx,
    private readonly freshForMs = 1000,
  ) {}

  async get(queueKey: string): Promise<number | undefined> {
    const cached = this.known.get(queueKey);
    if (cached && Date.now() - cached.readAt < this.freshForMs) return cached.seq;
    const seq = await queueChangeSeq(this.db, queueKey);
    if (seq !== undefined) this.known.set(queueKey, { seq, readAt: Date.now() });
    return seq;
  }
}
