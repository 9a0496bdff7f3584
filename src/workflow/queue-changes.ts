import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';

/**
 * Queue counts and change numbers, for every workflow. Changes append rows to queue_changes
 * instead of updating the queues' shared rows, so concurrent changes to the same queues never
 * wait for each other; `foldQueueChanges` folds them into the queues every few seconds. A
 * queue's change number counts committed changes (folded plus waiting): every commit that
 * touches what a queue shows bumps it, so a refresh that already has the number needs nothing.
 */
export interface QueueDelta {
  workflow: string;
  queue_key: string;
  delta: number;
}

/** A subject leaving one queue and entering another; a move within one queue still records a change. */
export function queueDeltas(workflow: string, fromQueue: string | null, toQueue: string | null): QueueDelta[] {
  if (fromQueue === toQueue) return fromQueue ? [{ workflow, queue_key: fromQueue, delta: 0 }] : [];
  return [...(fromQueue ? [{ workflow, queue_key: fromQueue, delta: -1 }] : []), ...(toQueue ? [{ workflow, queue_key: toQueue, delta: 1 }] : [])];
}

/** Subjects entering (positive) or leaving (negative) a status outside a transition: created, removed. */
export async function countInStatus(db: DbOrTx, workflow: string, status: string, delta: number): Promise<void> {
  await sql`
    insert into queue_changes (workflow, queue_key, delta)
    select workflow, queue_key, ${delta}::int from workflow_statuses
     where workflow = ${workflow} and key = ${status} and queue_key is not null`.execute(db);
}

/** Something a queue row shows changed (who works on it, its photos, its order's fields). */
export async function touchQueuesOfStatuses(db: DbOrTx, workflow: string, statuses: readonly string[]): Promise<void> {
  if (statuses.length === 0) return;
  await sql`
    insert into queue_changes (workflow, queue_key, delta)
    select distinct workflow, queue_key, 0 from workflow_statuses
     where workflow = ${workflow} and key = any(${sql.val([...statuses])}::text[]) and queue_key is not null`.execute(db);
}

/** The subject row's queue (if its status has one) shows it: open pages of it refresh. */
export async function touchQueueOfSubject(db: DbOrTx, table: string, id: number): Promise<void> {
  await sql`
    insert into queue_changes (workflow, queue_key, delta)
    select ws.workflow, ws.queue_key, 0 from ${sql.table(table)} s
      join workflow_statuses ws on ws.workflow = s.workflow and ws.key = s.status
     where s.id = ${id} and ws.queue_key is not null`.execute(db);
}

/** Every queue of the workflow refreshes (its definition changed). */
export async function touchWorkflowQueues(db: DbOrTx, workflow: string): Promise<void> {
  await sql`insert into queue_changes (workflow, queue_key, delta) select workflow, key, 0 from queues where workflow = ${workflow}`.execute(db);
}

/** The queue's change number: a refresh that already has it needs nothing else. */
export async function queueChangeSeq(db: DbOrTx, workflow: string, queueKey: string): Promise<number | undefined> {
  const row = await db.selectFrom('queue_totals').select('change_seq').where('workflow', '=', workflow).where('key', '=', queueKey).executeTakeFirst();
  return row === undefined ? undefined : Number(row.change_seq);
}

/** Every queue's current item count in the workflow, as the navigation shows it. */
export async function queueCounts(db: DbOrTx, workflow: string): Promise<Record<string, number>> {
  const rows = await db.selectFrom('queue_totals').select(['key', 'item_count']).where('workflow', '=', workflow).execute();
  return Object.fromEntries(rows.map((row) => [row.key, Number(row.item_count)]));
}

/**
 * Folds the waiting deltas into the queues' own rows, keeping each queue's count and change
 * number the same across the fold. Only committed rows are seen and removed; one instance
 * folds at a time.
 */
export async function foldQueueChanges(db: Db): Promise<number> {
  return inTransaction(db, async (tx) => {
    const locked = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtext('traveler:fold-queue-changes')) as locked`.execute(tx);
    if (!locked.rows[0]?.locked) return 0;
    const result = await sql<{ folded: number }>`
      with folded as (delete from queue_changes returning workflow, queue_key, delta),
           totals as (select workflow, queue_key, sum(delta)::int as delta, count(*) as changes from folded group by workflow, queue_key),
           applied as (update queues q set item_count = q.item_count + t.delta, change_seq = q.change_seq + t.changes
                         from totals t where q.workflow = t.workflow and q.key = t.queue_key returning t.changes)
      select coalesce(sum(changes), 0)::int as folded from applied`.execute(tx);
    return result.rows[0]?.folded ?? 0;
  });
}

/**
 * Each queue's change number as an open page's refresh sees it: read from the database at
 * most once per `freshForMs` per app instance, so a refresh that finds nothing new usually
 * costs no query at all. A change still shows within the page's poll plus this time.
 */
export class ChangeNumbers {
  private readonly known = new Map<string, { seq: number; readAt: number }>();

  constructor(
    private readonly db: DbOrTx,
    private readonly freshForMs = 1000,
  ) {}

  async get(workflow: string, queueKey: string): Promise<number | undefined> {
    const key = `${workflow}\n${queueKey}`;
    const cached = this.known.get(key);
    if (cached && Date.now() - cached.readAt < this.freshForMs) return cached.seq;
    const seq = await queueChangeSeq(this.db, workflow, queueKey);
    if (seq !== undefined) this.known.set(key, { seq, readAt: Date.now() });
    return seq;
  }
}
