import { sql, type RawBuilder } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { ShopAlertKind } from '../db/types.js';
import { inTransaction } from '../db/transaction.js';
import type { BusinessClock } from '../monitoring/business-time.js';
import type { DurationLookup } from '../monitoring/durations.js';
import { forecaster } from '../monitoring/eta.js';
import { expectedWorkingMs } from '../monitoring/time-in-status.js';
import type { Status, Workflow } from '../workflow/definition.js';

export interface SweepContext {
  workflow: Workflow;
  clock: BusinessClock;
  history: DurationLookup;
  now: Date;
}

/** A newly raised alert, for telling the owners of its queue (or, for errors, the admins). */
export interface RaisedAlert {
  id: number;
  kind: ShopAlertKind;
  queueKey: string | null;
}

/** Items waiting on the customer are an alert after their status's expected time, or this long without one. */
export const customerWaitWithoutExpectedMs = 8 * 3_600_000;
/** Items due up to this many days ahead are forecast each sweep; later ones cannot be judged yet. */
const forecastHorizonDays = 60;
/** At most this many items with a due date are forecast per sweep, the soonest due first. */
const forecastLimit = 20_000;
/** Emails that failed longer ago than this are history, not news, on a first sweep. */
const failedMailWindowDays = 14;

const itemKinds: readonly ShopAlertKind[] = ['late', 'waiting_on_customer', 'quality_hold'];
/** A stay in a status, as part of a dedupe key: the same item late again after moving on is a new alert. */
const stayKey = sql`li.id || ':' || li.status || ':' || (extract(epoch from li.status_entered_at) * 1000000)::bigint`;

const itemColumns = sql`(dedupe_key, kind, workflow, status, queue_key, line_item_id, order_id, customer_id, since)`;

function timestamp(value: Date): RawBuilder<Date> {
  return sql<Date>`${value.toISOString()}::timestamptz`;
}

/** Items that have been in `status` since `enteredBy` or earlier, as alerts of `kind` (the open ones are kept). */
async function raiseForStay(tx: Tx, kind: ShopAlertKind, status: Status, workflow: string, enteredBy: Date | null): Promise<RaisedAlert[]> {
  const { rows } = await sql<RaisedAlert>`
    insert into shop_alerts ${itemColumns}
    select ${kind} || ':' || ${stayKey}, ${kind}, ${workflow}, li.status, ${status.queueKey}, li.id, li.order_id, li.customer_id, li.status_entered_at
      from line_items li
     where li.workflow = ${workflow} and li.status = ${status.key} ${enteredBy ? sql`and li.status_entered_at <= ${timestamp(enteredBy)}` : sql``}
    on conflict (dedupe_key) where cleared_at is null do nothing
    returning id, kind, queue_key as "queueKey"`.execute(tx);
  return rows;
}

/** The stays that count as alerts now: the moment each status's items became alerts by. */
function stayThresholds({ workflow, clock, now }: SweepContext): { kind: ShopAlertKind; status: Status; enteredBy: Date | null }[] {
  const thresholds: { kind: ShopAlertKind; status: Status; enteredBy: Date | null }[] = [];
  for (const status of workflow.statuses.values()) {
    const expected = expectedWorkingMs(status, clock);
    if (status.kind === 'open' && status.waitsOn === 'shop' && expected !== null && clock.works) {
      thresholds.push({ kind: 'late', status, enteredBy: clock.subtract(now, expected) });
    } else if (status.kind === 'open' && status.waitsOn === 'customer') {
      const enteredBy = expected !== null && clock.works ? clock.subtract(now, expected) : new Date(now.getTime() - customerWaitWithoutExpectedMs);
      thresholds.push({ kind: 'waiting_on_customer', status, enteredBy });
    } else if (status.kind === 'hold' && status.qualityHold) {
      thresholds.push({ kind: 'quality_hold', status, enteredBy: null });
    }
  }
  return thresholds;
}

/**
 * Clears item alerts whose stay has ended (the item moved on, or was moved back and came again:
 * a new stay), and those its status no longer makes an alert (an expected time lengthened, a
 * hold no longer counted as a quality problem).
 */
async function clearEndedStays(tx: Tx, context: SweepContext, thresholds: ReturnType<typeof stayThresholds>): Promise<number> {
  const now = timestamp(context.now);
  const moved = await sql`
    update shop_alerts a set cleared_at = ${now}, version = a.version + 1
      from line_items li
     where a.cleared_at is null and a.kind in (${sql.join(itemKinds)}) and li.id = a.line_item_id
       and (li.status <> a.status or li.status_entered_at <> a.since)`.execute(tx);
  const standing = thresholds.map((t) => sql`(${t.kind}::text, ${t.status.key}::text, ${t.enteredBy ? timestamp(t.enteredBy) : sql`'infinity'::timestamptz`})`);
  const rules = standing.length > 0 ? sql`left join (values ${sql.join(standing)}) as t(kind, status, entered_by) on t.kind = a.kind and t.status = a.status` : sql`left join (select null::text as kind, null::text as status, null::timestamptz as entered_by) t on false`;
  const outgrown = await sql`
    update shop_alerts set cleared_at = ${now}, version = shop_alerts.version + 1
     where id in (select a.id from shop_alerts a ${rules}
                   where a.cleared_at is null and a.kind in (${sql.join(itemKinds)})
                     and (t.kind is null or a.since > t.entered_by))`.execute(tx);
  return Number(moved.numAffectedRows ?? 0) + Number(outgrown.numAffectedRows ?? 0);
}

/**
 * Items forecast to miss their due date, among those due soonest: raised when a forecast first
 * misses, cleared when one no longer does (or the item is done).
 */
async function reconcileForecasts(tx: Tx, context: SweepContext): Promise<RaisedAlert[]> {
  const { workflow, clock, history, now } = context;
  const open = [...workflow.statuses.values()].filter((status) => status.kind === 'open').map((status) => status.key);
  const horizon = new Date(now.getTime() + forecastHorizonDays * 86_400_000).toISOString().slice(0, 10);
  const candidates =
    open.length === 0
      ? []
      : await tx
          .selectFrom('line_items')
          .select(['id', 'status', 'status_entered_at as enteredAt', 'machine_id as machineId', 'material_id as materialId', 'fulfillment_method as fulfillmentMethod', 'due_date as dueDate', 'planned_end as plannedEnd', 'order_id as orderId', 'customer_id as customerId'])
          .where('status', 'in', open)
          .where('due_date', 'is not', null)
          .where('due_date', '<=', horizon)
          .orderBy('due_date')
          .limit(forecastLimit)
          .execute();
  const forecast = forecaster(workflow, clock, now, history);
  const missing = candidates.flatMap((item) => {
    const itemForecast = forecast(item, clock.between(item.enteredAt, now));
    return itemForecast?.missesDue ? [{ item, likely: itemForecast.likely }] : [];
  });
  const keys = missing.map(({ item }) => `forecast_late:${item.id}:${item.dueDate}`);
  await sql`
    update shop_alerts set cleared_at = ${timestamp(now)}, version = version + 1
     where cleared_at is null and kind = 'forecast_late' and not (dedupe_key = any(${sql.val(keys)}::text[]))`.execute(tx);
  if (missing.length === 0) return [];
  const raised: RaisedAlert[] = [];
  for (let start = 0; start < missing.length; start += 1000) {
    const rows = missing.slice(start, start + 1000).map(
      ({ item, likely }) =>
        sql`(${`forecast_late:${item.id}:${item.dueDate}`}, 'forecast_late', ${workflow.key}, ${item.status}, ${workflow.statuses.get(item.status)?.queueKey ?? null}, ${item.id}::int, ${item.orderId}::int, ${item.customerId}::int, ${timestamp(now)}, ${JSON.stringify({ dueDate: item.dueDate, likely: likely.toISOString() })}::jsonb)`,
    );
    const inserted = await sql<RaisedAlert>`
      insert into shop_alerts (dedupe_key, kind, workflow, status, queue_key, line_item_id, order_id, customer_id, since, detail)
      values ${sql.join(rows)}
      on conflict (dedupe_key) where cleared_at is null
      do update set detail = excluded.detail, status = excluded.status, queue_key = excluded.queue_key
           where shop_alerts.detail is distinct from excluded.detail or shop_alerts.status is distinct from excluded.status
      returning id, kind, queue_key as "queueKey", (xmax = 0) as fresh`.execute(tx);
    raised.push(...(inserted.rows as (RaisedAlert & { fresh: boolean })[]).filter((row) => row.fresh).map(({ id, kind, queueKey }) => ({ id, kind, queueKey })));
  }
  return raised;
}

/** Emails that gave up (Admin → Mailbox can send them again), and scheduled jobs failing now. */
async function reconcileErrors(tx: Tx, now: Date): Promise<RaisedAlert[]> {
  const at = timestamp(now);
  await sql`
    update shop_alerts a set cleared_at = ${at}, version = a.version + 1
     where a.cleared_at is null and a.kind = 'mail_failed'
       and not exists (select 1 from outbox o where o.id = (a.detail->>'outboxId')::bigint and o.status = 'failed')`.execute(tx);
  await sql`
    update shop_alerts a set cleared_at = ${at}, version = a.version + 1
     where a.cleared_at is null and a.kind = 'job_failed'
       and not exists (select 1 from job_runs j where 'job_failed:' || j.name || ':' || (extract(epoch from j.failing_since) * 1000000)::bigint = a.dedupe_key)`.execute(tx);
  const mail = await sql<RaisedAlert>`
    insert into shop_alerts (dedupe_key, kind, since, detail)
    select 'mail_failed:' || o.id, 'mail_failed', coalesce(o.next_attempt_at, o.created_at),
           jsonb_build_object('outboxId', o.id, 'to', o.to_address, 'template', o.template, 'subject', o.subject, 'error', left(o.last_error, 500))
      from outbox o
     where o.status = 'failed' and o.created_at > ${at} - make_interval(days => ${failedMailWindowDays})
    on conflict (dedupe_key) where cleared_at is null do nothing
    returning id, kind, queue_key as "queueKey"`.execute(tx);
  const jobs = await sql<RaisedAlert>`
    insert into shop_alerts (dedupe_key, kind, since, detail)
    select 'job_failed:' || j.name || ':' || (extract(epoch from j.failing_since) * 1000000)::bigint, 'job_failed', j.failing_since,
           jsonb_build_object('job', j.name, 'error', j.last_error, 'lastFailedAt', j.last_failed_at)
      from job_runs j
     where j.failing_since is not null
    on conflict (dedupe_key) where cleared_at is null do update set detail = excluded.detail
    returning id, kind, queue_key as "queueKey", (xmax = 0) as fresh`.execute(tx);
  return [...mail.rows, ...(jobs.rows as (RaisedAlert & { fresh: boolean })[]).filter((row) => row.fresh).map(({ id, kind, queueKey }) => ({ id, kind, queueKey }))];
}

/**
 * Brings the alerts center up to date: raises an alert for each condition found that has no open
 * alert yet (the dedupe key names the condition, so a condition is one alert however often it is
 * seen), and clears those whose condition has ended. `onRaised` tells people in the same
 * transaction, so an alert is never raised without them hearing of it. With several app
 * instances, one sweeps at a time (a try-lock); the others return null.
 */
export async function sweepAlerts(db: Db, context: SweepContext, onRaised?: (tx: Tx, raised: RaisedAlert[]) => Promise<unknown>): Promise<RaisedAlert[] | null> {
  return inTransaction(db, async (tx) => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtext('traveler:alert-sweep')) as locked`.execute(tx);
    if (!rows[0]?.locked) return null;
    const thresholds = stayThresholds(context);
    await clearEndedStays(tx, context, thresholds);
    const raised: RaisedAlert[] = [];
    for (const { kind, status, enteredBy } of thresholds) raised.push(...(await raiseForStay(tx, kind, status, context.workflow.key, enteredBy)));
    raised.push(...(await reconcileForecasts(tx, context)));
    raised.push(...(await reconcileErrors(tx, context.now)));
    if (raised.length > 0 && onRaised) await onRaised(tx, raised);
    return raised;
  });
}
