import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { Workflow } from '../workflow/definition.js';
import type { BusinessClock } from './business-time.js';
import { expectedWorkingMs, warningShare } from './time-in-status.js';

/** One open or held status, as the dashboard lists it. */
export interface StatusCount {
  key: string;
  label: string;
  queueKey: string | null;
  kind: string;
  waitsOn: string;
  count: number;
  late: number;
  nearlyDue: number;
  /** When the item longest in it entered it (ISO). */
  oldest: string | null;
}

export interface BatchBar {
  id: number;
  name: string;
  total: number;
  done: number;
  cancelled: number;
  onHold: number;
}

/** The dashboard's numbers at one moment. */
export interface ShopSnapshot {
  takenAt: string;
  orders: { total: number; lastThirtyDays: number };
  items: { inProduction: number; ready: number; completedLastThirtyDays: number; onHold: number; waitingOnCustomer: number; late: number; nearlyDue: number };
  statuses: StatusCount[];
  batches: BatchBar[];
  /** Open alerts nobody has acknowledged or snoozed, per kind (missing in snapshots taken before alerts existed). */
  alerts?: Record<string, number>;
}

const thirtyDaysMs = 30 * 86_400_000;
/** Batches shown with their bars: the most recent. */
const batchesShown = 12;

/**
 * Counts the shop: items per open and held status with how many are late or nearly due in their
 * current stay (by the shop's clock: each status's threshold is worked out here and compared in
 * SQL, on the (status, status_entered_at) index), what was finished in the last 30 days, orders,
 * and the newest batches' bars.
 */
export async function takeSnapshot(db: DbOrTx, workflow: Workflow, clock: BusinessClock, now: Date): Promise<ShopSnapshot> {
  const live = [...workflow.statuses.values()].filter((status) => status.kind === 'open' || status.kind === 'hold');
  const built = new Set(workflow.transitions.filter((transition) => transition.intent === 'built').map((transition) => transition.to));
  const completed = [...workflow.statuses.values()].filter((status) => status.kind === 'completed').map((status) => status.key);
  const thresholds = live.map((status) => {
    const expected = status.kind === 'open' && status.waitsOn === 'shop' ? expectedWorkingMs(status, clock) : null;
    return {
      key: status.key,
      late: expected === null ? null : clock.subtract(now, expected),
      warning: expected === null ? null : clock.subtract(now, expected * warningShare),
    };
  });
  const counts = new Map<string, { count: number; late: number; nearly: number; oldest: Date | null }>();
  if (thresholds.length > 0) {
    const values = sql.join(thresholds.map((t) => sql`(${t.key}::text, ${t.late}::timestamptz, ${t.warning}::timestamptz)`));
    const { rows } = await sql<{ status: string; count: number; late: number; nearly: number; oldest: Date | null }>`
      select t.status,
             count(li.id)::int as count,
             (count(li.id) filter (where li.status_entered_at <= t.late_at))::int as late,
             (count(li.id) filter (where li.status_entered_at <= t.warn_at and li.status_entered_at > t.late_at))::int as nearly,
             min(li.status_entered_at) as oldest
        from (values ${values}) as t(status, late_at, warn_at)
        left join line_items li on li.status = t.status
       group by t.status`.execute(db);
    for (const row of rows) counts.set(row.status, row);
  }
  const since = new Date(now.getTime() - thirtyDaysMs);
  const finished =
    completed.length === 0
      ? 0
      : (await db.selectFrom('line_items').select((eb) => eb.fn.countAll<number>().as('count')).where('status', 'in', completed).where('status_entered_at', '>', since).executeTakeFirstOrThrow()).count;
  const orders = await db
    .selectFrom('orders')
    .select((eb) => [eb.fn.countAll<number>().as('total'), sql<number>`count(*) filter (where created_at > ${since})`.as('recent')])
    .executeTakeFirstOrThrow();
  const batches = await db
    .selectFrom('batches')
    .select(['batches.id', 'batches.name'])
    .select(() => [
      sql<number>`(select count(*) from batch_items bi where bi.batch_id = batches.id)`.as('total'),
      sql<number>`(select count(*) from batch_items bi join line_items li on li.id = bi.line_item_id where bi.batch_id = batches.id and li.status in (${sql.join(completed.length ? completed : [''])}))`.as('done'),
      sql<number>`(select count(*) from batch_items bi join line_items li on li.id = bi.line_item_id join workflow_statuses ws on ws.workflow = li.workflow and ws.key = li.status where bi.batch_id = batches.id and ws.kind = 'cancelled')`.as('cancelled'),
      sql<number>`(select count(*) from batch_items bi join line_items li on li.id = bi.line_item_id join workflow_statuses ws on ws.workflow = li.workflow and ws.key = li.status where bi.batch_id = batches.id and ws.kind = 'hold')`.as('onHold'),
    ])
    .orderBy('batches.created_at', 'desc')
    .orderBy('batches.id', 'desc')
    .limit(batchesShown)
    .execute();

  const openAlerts = await sql<{ kind: string; count: number }>`
    select kind, count(*)::int as count from shop_alerts
     where cleared_at is null and acknowledged_at is null and (snoozed_until is null or snoozed_until <= ${now.toISOString()}::timestamptz)
     group by kind`.execute(db);

  const statuses: StatusCount[] = live.map((status) => {
    const count = counts.get(status.key);
    return {
      key: status.key,
      label: status.label,
      queueKey: status.queueKey,
      kind: status.kind,
      waitsOn: status.waitsOn,
      count: count?.count ?? 0,
      late: count?.late ?? 0,
      nearlyDue: count?.nearly ?? 0,
      oldest: count?.oldest ? new Date(count.oldest).toISOString() : null,
    };
  });
  const sum = (pick: (status: StatusCount) => number) => statuses.reduce((total, status) => total + pick(status), 0);
  return {
    takenAt: now.toISOString(),
    orders: { total: Number(orders.total), lastThirtyDays: Number(orders.recent) },
    items: {
      inProduction: sum((s) => (s.kind === 'open' && !built.has(s.key) && s.waitsOn === 'shop' ? s.count : 0)),
      ready: sum((s) => (built.has(s.key) ? s.count : 0)),
      completedLastThirtyDays: Number(finished),
      onHold: sum((s) => (s.kind === 'hold' ? s.count : 0)),
      waitingOnCustomer: sum((s) => (s.kind === 'open' && s.waitsOn !== 'shop' ? s.count : 0)),
      late: sum((s) => s.late),
      nearlyDue: sum((s) => s.nearlyDue),
    },
    statuses,
    alerts: Object.fromEntries(openAlerts.rows.map((row) => [row.kind, Number(row.count)])),
    batches: batches.map((batch) => ({ id: batch.id, name: batch.name, total: Number(batch.total), done: Number(batch.done), cancelled: Number(batch.cancelled), onHold: Number(batch.onHold) })),
  };
}

/** Recounts and stores the snapshot; with several app instances, one recounts at a time and the others skip. */
export async function refreshSnapshot(db: Db, workflow: Workflow, clock: BusinessClock, now = new Date()): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtext('traveler:monitoring-snapshot'), hashtext(${workflow.key})) as locked`.execute(tx);
    if (!rows[0]?.locked) return false;
    const snapshot = await takeSnapshot(tx, workflow, clock, now);
    await tx
      .insertInto('monitoring_snapshots')
      .values({ workflow: workflow.key, taken_at: now, data: JSON.stringify(snapshot) })
      .onConflict((oc) => oc.column('workflow').doUpdateSet({ taken_at: now, data: JSON.stringify(snapshot) }))
      .execute();
    return true;
  });
}

/** The stored snapshot, or a fresh count when there is none yet (a new shop) or it is older than `staleMs`. */
export async function currentSnapshot(db: Db, workflow: Workflow, clock: BusinessClock, staleMs = 120_000): Promise<ShopSnapshot> {
  const stored = await db.selectFrom('monitoring_snapshots').select(['taken_at', 'data']).where('workflow', '=', workflow.key).executeTakeFirst();
  if (stored && Date.now() - stored.taken_at.getTime() < staleMs) return stored.data as ShopSnapshot;
  return takeSnapshot(db, workflow, clock, new Date());
}
