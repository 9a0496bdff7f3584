import { sql, type SelectQueryBuilder } from 'kysely';
import { ownCustomer, type RecordScope } from '../visibility/scope.js';
import type { Db, DbOrTx } from '../db/database.js';
import type { Database, ShopAlertKind } from '../db/types.js';
import { ConflictError, HttpError, ValidationError } from '../platform/errors.js';
import { can } from '../platform/permissions.js';

export const alertKinds: readonly ShopAlertKind[] = ['late', 'forecast_late', 'waiting_on_customer', 'quality_hold', 'mail_failed', 'job_failed'];
export const alertKindLabels: Record<ShopAlertKind, string> = {
  late: 'Late',
  forecast_late: 'Will miss due date',
  waiting_on_customer: 'Waiting on customer',
  quality_hold: 'Quality flag',
  mail_failed: 'Email failed',
  job_failed: 'Job failing',
};
/** Errors are about the system, not an item: only those who can put them right see them. */
const errorKinds: readonly ShopAlertKind[] = ['mail_failed', 'job_failed'];

export type AlertView = 'open' | 'acknowledged' | 'snoozed' | 'cleared';
export const alertViews: readonly AlertView[] = ['open', 'acknowledged', 'snoozed', 'cleared'];

export interface Viewer {
  id: number;
  roles: string[];
  /** A salesperson kept to their own customers sees their customers' alerts only (src/visibility). */
  scope?: RecordScope;
}

export interface AlertFilter {
  view: AlertView;
  kind: ShopAlertKind | null;
  /** Only alerts in the queues the viewer owns (and, for admins, errors). */
  mine: boolean;
}

/** Shown per page; the counts say how many there are in all. */
export const alertsPerPage = 100;
/** Cleared alerts stay listed this long. */
const clearedShownDays = 30;

export function visibleKinds(viewer: Viewer): ShopAlertKind[] {
  const items = can(viewer.roles, 'orders:view');
  const errors = can(viewer.roles, 'mailbox:read');
  return alertKinds.filter((kind) => (errorKinds.includes(kind) ? errors : items));
}

type AlertQuery = SelectQueryBuilder<Database, 'shop_alerts', object>;

function inView(query: AlertQuery, view: AlertView, now: Date): AlertQuery {
  const at = sql<Date>`${now.toISOString()}::timestamptz`;
  if (view === 'cleared') return query.where('shop_alerts.cleared_at', 'is not', null).where('shop_alerts.cleared_at', '>', sql<Date>`${at} - make_interval(days => ${clearedShownDays})`);
  const open = query.where('shop_alerts.cleared_at', 'is', null);
  if (view === 'acknowledged') return open.where('shop_alerts.acknowledged_at', 'is not', null);
  if (view === 'snoozed') return open.where('shop_alerts.acknowledged_at', 'is', null).where('shop_alerts.snoozed_until', '>', at);
  return open.where('shop_alerts.acknowledged_at', 'is', null).where((eb) => eb.or([eb('shop_alerts.snoozed_until', 'is', null), eb('shop_alerts.snoozed_until', '<=', at)]));
}

/** The queues a person owns: by their role, unless they opted out, or opted in (My account → Notifications). */
function ownedQueueKeys(viewer: Viewer) {
  return sql<string>`(select q.key from queues q
                      left join queue_subscriptions s on s.workflow = q.workflow and s.queue_key = q.key and s.user_id = ${viewer.id}
                      where coalesce(s.subscribed, q.owner_roles && ${sql.val(viewer.roles)}::text[]))`;
}

function scoped(query: AlertQuery, viewer: Viewer, filter: Pick<AlertFilter, 'kind' | 'mine'>): AlertQuery {
  const kinds = visibleKinds(viewer).filter((kind) => filter.kind === null || kind === filter.kind);
  let scopedQuery = query.where('shop_alerts.kind', 'in', kinds.length > 0 ? kinds : ['late']);
  if (kinds.length === 0) scopedQuery = scopedQuery.where(sql<boolean>`false`);
  if (filter.mine) {
    scopedQuery = scopedQuery.where((eb) => eb.or([eb('shop_alerts.queue_key', 'in', ownedQueueKeys(viewer)), eb('shop_alerts.kind', 'in', [...errorKinds])]));
  }
  if (viewer.scope) scopedQuery = scopedQuery.where((eb) => ownCustomer(eb.ref('shop_alerts.customer_id'), viewer.scope!));
  return scopedQuery;
}

export interface ShopAlertRow {
  id: number;
  kind: ShopAlertKind;
  status: string | null;
  queueKey: string | null;
  lineItemId: number | null;
  orderId: number | null;
  orderNumber: number | null;
  position: number | null;
  lastItemNumber: number | null;
  description: string | null;
  dueDate: string | null;
  customerId: number | null;
  customerName: string | null;
  detail: Record<string, unknown>;
  since: Date;
  raisedAt: Date;
  clearedAt: Date | null;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  snoozedUntil: Date | null;
  snoozedBy: string | null;
  answerReason: string | null;
  version: number;
}

function withSubject(query: AlertQuery) {
  return query
    .leftJoin('line_items', 'line_items.id', 'shop_alerts.line_item_id')
    .leftJoin('orders', 'orders.id', 'shop_alerts.order_id')
    .leftJoin('customers', 'customers.id', 'shop_alerts.customer_id')
    .leftJoin('users as acknowledger', 'acknowledger.id', 'shop_alerts.acknowledged_by')
    .leftJoin('users as snoozer', 'snoozer.id', 'shop_alerts.snoozed_by')
    .select([
      'shop_alerts.id',
      'shop_alerts.kind',
      'shop_alerts.status',
      'shop_alerts.queue_key as queueKey',
      'shop_alerts.line_item_id as lineItemId',
      'shop_alerts.order_id as orderId',
      'orders.number as orderNumber',
      'line_items.position',
      'orders.last_item_number as lastItemNumber',
      'line_items.description',
      'line_items.due_date as dueDate',
      'shop_alerts.customer_id as customerId',
      'customers.name as customerName',
      'shop_alerts.detail',
      'shop_alerts.since',
      'shop_alerts.raised_at as raisedAt',
      'shop_alerts.cleared_at as clearedAt',
      'shop_alerts.acknowledged_at as acknowledgedAt',
      'acknowledger.name as acknowledgedBy',
      'shop_alerts.snoozed_until as snoozedUntil',
      'snoozer.name as snoozedBy',
      'shop_alerts.answer_reason as answerReason',
      'shop_alerts.version',
    ]);
}

export interface AlertList {
  alerts: ShopAlertRow[];
  /** How many alerts each view holds under the same kind and scope. */
  viewCounts: Record<AlertView, number>;
  /** How many alerts of each kind the current view holds. */
  kindCounts: Partial<Record<ShopAlertKind, number>>;
}

/** The alerts center's page: the view's newest conditions first (cleared: the most recently ended). */
export async function listShopAlerts(db: DbOrTx, viewer: Viewer, filter: AlertFilter, now: Date): Promise<AlertList> {
  const base = scoped(db.selectFrom('shop_alerts') as AlertQuery, viewer, filter);
  let listed = withSubject(inView(base, filter.view, now));
  listed = filter.view === 'cleared' ? listed.orderBy('shop_alerts.cleared_at', 'desc') : listed.orderBy('shop_alerts.since', 'desc');
  const [alerts, viewCounts, kindCounts] = await Promise.all([
    listed.orderBy('shop_alerts.id', 'desc').limit(alertsPerPage).execute(),
    Promise.all(alertViews.map(async (view) => [view, Number((await inView(base, view, now).select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()).count)] as const)),
    inView(scoped(db.selectFrom('shop_alerts') as AlertQuery, viewer, { ...filter, kind: null }), filter.view, now)
      .select(['shop_alerts.kind', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy('shop_alerts.kind')
      .execute(),
  ]);
  return {
    alerts: alerts as ShopAlertRow[],
    viewCounts: Object.fromEntries(viewCounts) as Record<AlertView, number>,
    kindCounts: Object.fromEntries(kindCounts.map((row) => [row.kind, Number(row.count)])),
  };
}

/** One alert the viewer may see, or a 404 (an alert of a kind they cannot see does not exist for them). */
export async function findShopAlert(db: DbOrTx, viewer: Viewer, id: number): Promise<ShopAlertRow> {
  const row = await withSubject(scoped(db.selectFrom('shop_alerts') as AlertQuery, viewer, { kind: null, mine: false }))
    .where('shop_alerts.id', '=', id)
    .executeTakeFirst();
  if (!row) throw new HttpError(404, 'There is no such alert.');
  return row as ShopAlertRow;
}

export type AlertAnswer = { action: 'acknowledge'; reason: string } | { action: 'snooze'; reason: string; until: Date } | { action: 'reopen' };

export const longestSnoozeDays = 30;

function checkedReason(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed === '') throw new ValidationError({ reason: 'Say why, so the others know what is being done.' });
  if (trimmed.length > 500) throw new ValidationError({ reason: 'Keep the reason to 500 characters or fewer.' });
  return trimmed;
}

/**
 * A person's answer to an alert: acknowledged (being handled; it stays listed there until its
 * condition ends), snoozed until a time (back among the open ones then), or reopened. Each needs
 * the version the person saw: someone else's answer in between is a conflict, not overwritten.
 */
export async function answerAlert(db: Db, viewer: Viewer, id: number, version: number, answer: AlertAnswer, now: Date): Promise<ShopAlertRow> {
  const alert = await findShopAlert(db, viewer, id);
  const changes =
    answer.action === 'acknowledge'
      ? { acknowledged_at: now, acknowledged_by: viewer.id, snoozed_until: null, snoozed_by: null, answer_reason: checkedReason(answer.reason) }
      : answer.action === 'snooze'
        ? (() => {
            const reason = checkedReason(answer.reason);
            if (!(answer.until > now)) throw new ValidationError({ until: 'Choose a time in the future.' });
            if (answer.until.getTime() - now.getTime() > longestSnoozeDays * 86_400_000) throw new ValidationError({ until: `Snooze for at most ${longestSnoozeDays} days.` });
            return { acknowledged_at: null, acknowledged_by: null, snoozed_until: answer.until, snoozed_by: viewer.id, answer_reason: reason };
          })()
        : { acknowledged_at: null, acknowledged_by: null, snoozed_until: null, snoozed_by: null, answer_reason: null };
  if (alert.clearedAt) throw new ConflictError('This alert has already cleared: its condition ended, so there is nothing left to answer.');
  const updated = await db
    .updateTable('shop_alerts')
    .set({ ...changes, version: sql<number>`version + 1` })
    .where('id', '=', id)
    .where('version', '=', version)
    .where('cleared_at', 'is', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    throw new ConflictError('Someone else answered this alert (or it cleared) since you opened the page. Here is how it stands now; answer again if you still need to.');
  }
  return findShopAlert(db, viewer, id);
}

/** What the customer's items wait on them for, oldest first: shown on the customer's page. */
export async function customerBlockers(db: DbOrTx, customerId: number) {
  return db
    .selectFrom('shop_alerts')
    .innerJoin('line_items', 'line_items.id', 'shop_alerts.line_item_id')
    .innerJoin('orders', 'orders.id', 'shop_alerts.order_id')
    .select(['shop_alerts.id', 'shop_alerts.status', 'shop_alerts.since', 'line_items.id as lineItemId', 'line_items.description', 'line_items.position', 'orders.id as orderId', 'orders.number as orderNumber', 'orders.last_item_number as lastItemNumber'])
    .where('shop_alerts.customer_id', '=', customerId)
    .where('shop_alerts.cleared_at', 'is', null)
    .where('shop_alerts.kind', '=', 'waiting_on_customer')
    .orderBy('shop_alerts.since')
    .limit(50)
    .execute();
}

/** Open, unanswered alerts per kind in the queues a person owns (and errors for admins): for their digest. */
export async function openAlertsForOwner(db: DbOrTx, viewer: Viewer, now: Date): Promise<Partial<Record<ShopAlertKind, number>>> {
  const rows = await inView(scoped(db.selectFrom('shop_alerts') as AlertQuery, viewer, { kind: null, mine: true }), 'open', now)
    .select(['shop_alerts.kind', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy('shop_alerts.kind')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.kind, Number(row.count)]));
}

/** Open, unanswered alerts per kind, shop-wide: for the monitoring dashboard's snapshot. */
export async function openAlertCounts(db: DbOrTx, now: Date): Promise<Partial<Record<ShopAlertKind, number>>> {
  const rows = await inView(db.selectFrom('shop_alerts') as AlertQuery, 'open', now)
    .select(['shop_alerts.kind', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy('shop_alerts.kind')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.kind, Number(row.count)]));
}
