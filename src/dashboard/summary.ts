import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { CurrentUser } from '../platform/auth.js';
import { can, type Permission } from '../platform/permissions.js';
import { lineItemQueues, lineItemWorkflow } from '../line-items/subject.js';
import { isUnfinished } from '../line-items/queries.js';
import { queueNavigation } from '../workflow/navigation.js';
import { itemLabel } from '../platform/format.js';

export interface ActivityLine {
  id: number;
  occurredAt: Date;
  actorName: string | null;
  actorVia: string | null;
  subjectType: string;
  subjectId: number;
  action: string;
  subjectName: string | null;
  actorUserId: number | null;
  /** The customer of the order or item the line is about. */
  customerName: string | null;
  orderNumber: number | null;
  itemLabel: string | null;
  toStatusLabel: string | null;
}

/** What an activity line says ("moved" · "1042 · 2/4" · "to BUILT"), and where its subject leads when the viewer may go there. */
export interface ActivityText {
  text: string;
  subject?: string;
  href?: string;
  after?: string;
}

const verbs: Record<string, string> = {
  'signed-in': 'signed in',
  'password-set': 'set a new password for',
  'password-reset-sent': 'sent a password reset link to',
  'retry-requested': 'asked to resend',
  'item-added': 'added an item to',
  'item-removed': 'removed an item from',
  updated: 'edited',
  'pin-set': 'set a kiosk PIN for',
  'pin-removed': 'removed the kiosk PIN of',
  'enrolment-started': 'started enrolling a tablet for',
  'device-enrolled': 'enrolled a tablet for',
  'device-revoked': 'signed a tablet out of',
  'operator-signed-in': 'signed in at',
  'pin-wrong': 'typed a wrong PIN at',
  'pin-locked': 'was locked out at',
  'note-added': 'added a note to',
  'photo-attached': 'attached a photo to',
  'work-started': 'started work on',
  'work-paused': 'paused work on',
  'work-finished': 'finished their work on',
  'work-stopped': 'stopped the clocks on',
  edited: 'edited',
  removed: 'removed',
  added: 'added',
};

/** "moved 1042 · 2/4 to Work in progress", "created order 1042", "edited customer Rosa Diaz", each with its page. */
export function describeActivity(line: ActivityLine, roles: readonly string[] = []): ActivityText {
  const linkIf = (permission: Permission, href: string) => (can(roles, permission) ? href : undefined);
  if (line.action === 'signed-in') return { text: 'signed in' };
  const forCustomer = line.customerName ? `for ${line.customerName}` : undefined;
  if (line.action === 'status-changed' && line.itemLabel && line.toStatusLabel) {
    return { text: 'moved', subject: line.itemLabel, href: linkIf('orders:view', `/items/${line.subjectId}`), after: `to ${line.toStatusLabel}${line.customerName ? ` (${line.customerName})` : ''}` };
  }
  const verb = verbs[line.action] ?? line.action.replaceAll('-', ' ');
  switch (line.subjectType) {
    case 'order':
      return { text: verb, subject: line.orderNumber ? `order ${line.orderNumber}` : `an order that was removed`, href: line.orderNumber ? linkIf('orders:view', `/orders/${line.subjectId}`) : undefined, after: forCustomer };
    case 'line_item':
      return { text: verb, subject: line.itemLabel ?? 'an item', href: line.action === 'removed' ? undefined : linkIf('orders:view', `/items/${line.subjectId}`), after: line.customerName ? `(${line.customerName})` : undefined };
    case 'customer':
      return { text: verb, subject: `customer ${line.subjectName ?? `#${line.subjectId}`}`, href: linkIf('customers:manage', `/customers/${line.subjectId}`) };
    case 'user':
      // "set a new password for Nina" reads oddly when Nina did it herself.
      if (line.actorUserId === line.subjectId && line.action === 'password-set') return { text: 'set a new password' };
      return { text: verb, subject: line.subjectName ?? `user #${line.subjectId}`, href: linkIf('users:manage', `/admin/users/${line.subjectId}`) };
    case 'kiosk':
      // A tablet acting as its own kiosk: "Router bay enrolled a tablet", not "… for kiosk Router bay".
      if (line.actorVia === `kiosk ${line.subjectName}`) return { text: verb.replace(/ (for|at|of)$/, '') };
      return { text: verb, subject: `kiosk ${line.subjectName ?? `#${line.subjectId}`}`, href: line.subjectName ? linkIf('kiosks:manage', `/admin/kiosks/${line.subjectId}`) : undefined };
    case 'machine':
    case 'material':
      return { text: verb, subject: `${line.subjectType} ${line.subjectName ?? `#${line.subjectId}`}`, href: linkIf('catalog:manage', '/admin/catalog') };
    case 'shop_settings':
      return { text: verb, subject: 'the shop settings', href: linkIf('settings:manage', '/admin/settings') };
    case 'outbox':
      return { text: verb, subject: `email #${line.subjectId}`, href: linkIf('mailbox:read', `/admin/mailbox/${line.subjectId}`) };
    default:
      return { text: `${verb} ${line.subjectType.replaceAll('_', ' ')}` };
  }
}

export interface QueueAtAGlance {
  key: string;
  label: string;
  count: number;
  newCount: number;
  overdue: number;
}

export interface ShopOverview {
  queues: QueueAtAGlance[];
  openItems: number;
  overdueItems: number;
  onHold: number;
  dueThisWeek: number;
  completedThisWeek: number;
  ordersThisWeek: number;
}

export interface WorkItem {
  id: number;
  label: string;
  description: string;
  statusLabel: string;
  dueDate: string | null;
  customerName: string;
}

export interface DashboardSummary {
  recentActivity: ActivityLine[];
  administration?: { activeUsers: number; mailWaiting: number; mailFailed: number };
  /** For the owner: every queue's work, what is late, coming due and done this week. */
  shop?: ShopOverview;
  /** The queues this person owns, with what is new and what is late in each. */
  myQueues?: QueueAtAGlance[];
  /** For salespeople: their orders with items still open. */
  myOpenOrders?: number;
  /** Open items whose assignee is this person. */
  assignedToMe: WorkItem[];
  /** For accounting: the latest completed items, whose payment may be due. */
  recentlyCompleted?: WorkItem[];
}

interface StatusCounts {
  key: string;
  kind: string;
  queueKey: string | null;
  overdue: number;
  dueSoon: number;
  enteredThisWeek: number;
}

/**
 * Each status's late, coming-due and entered-this-week counts, each read from its own index
 * range ((status, due_date) and (status, status_entered_at)), never by scanning the items.
 */
async function countsByStatus(db: Db, today: string): Promise<StatusCounts[]> {
  const { rows } = await sql<StatusCounts>`
    select ws.key, ws.kind, ws.queue_key as "queueKey",
           case when ws.kind in ('open', 'hold') then (select count(*)::int from line_items li where li.status = ws.key and li.due_date < ${today}::date) else 0 end as overdue,
           case when ws.kind in ('open', 'hold') then (select count(*)::int from line_items li where li.status = ws.key and li.due_date >= ${today}::date and li.due_date < ${today}::date + 7) else 0 end as "dueSoon",
           (select count(*)::int from line_items li where li.status = ws.key and li.status_entered_at >= now() - interval '7 days') as "enteredThisWeek"
      from workflow_statuses ws
     where ws.workflow = ${lineItemWorkflow}`.execute(db);
  return rows;
}

async function shopOverview(db: Db, user: CurrentUser, today: string): Promise<ShopOverview> {
  const [nav, counts, orders] = await Promise.all([
    queueNavigation(db, lineItemQueues, user),
    countsByStatus(db, today),
    db.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).where('created_at', '>=', sql<Date>`now() - interval '7 days'`).executeTakeFirstOrThrow(),
  ]);
  const sum = (pick: (row: StatusCounts) => number, kinds: string[]) => counts.filter((row) => kinds.includes(row.kind)).reduce((total, row) => total + pick(row), 0);
  const holdQueues = new Set(counts.filter((row) => row.kind === 'hold' && row.queueKey !== null).map((row) => row.queueKey));
  const overdueIn = (queueKey: string) => counts.filter((row) => row.queueKey === queueKey).reduce((total, row) => total + row.overdue, 0);
  return {
    queues: nav.map((queue) => ({ key: queue.key, label: queue.label, count: queue.count, newCount: queue.newCount, overdue: overdueIn(queue.key) })),
    openItems: nav.filter((queue) => !holdQueues.has(queue.key)).reduce((total, queue) => total + queue.count, 0),
    onHold: nav.filter((queue) => holdQueues.has(queue.key)).reduce((total, queue) => total + queue.count, 0),
    overdueItems: sum((row) => row.overdue, ['open', 'hold']),
    dueThisWeek: sum((row) => row.dueSoon, ['open', 'hold']),
    completedThisWeek: sum((row) => row.enteredThisWeek, ['completed']),
    ordersThisWeek: Number(orders.n),
  };
}

type WorkRow = { id: number; orderNumber: number; position: number; lastItemNumber: number; description: string; statusLabel: string; dueDate: string | null; customerName: string };

/** The items with these ids, in this order, as the start page lists them. */
async function workItems(db: Db, ids: number[]): Promise<WorkItem[]> {
  if (ids.length === 0) return [];
  const rows: WorkRow[] = await db
    .selectFrom('line_items as li')
    .innerJoin('orders as o', 'o.id', 'li.order_id')
    .innerJoin('customers as c', 'c.id', 'li.customer_id')
    .innerJoin('workflow_statuses as ws', (join) => join.onRef('ws.workflow', '=', 'li.workflow').onRef('ws.key', '=', 'li.status'))
    .select(['li.id', 'li.order_number as orderNumber', 'li.position', 'o.last_item_number as lastItemNumber', 'li.description', 'ws.label as statusLabel', 'li.due_date as dueDate', 'c.name as customerName'])
    .where('li.id', 'in', ids)
    .execute();
  const byId = new Map(rows.map(({ orderNumber, position, lastItemNumber, ...row }) => [row.id, { ...row, label: itemLabel(orderNumber, position, lastItemNumber) }]));
  return ids.map((id) => byId.get(id)).filter((item): item is WorkItem => item !== undefined);
}

/** Open items assigned to this person, soonest due first, each open status read from its (status, assignee) index. */
async function assignedTo(db: Db, userId: number): Promise<WorkItem[]> {
  const { rows } = await sql<{ id: number }>`
    select li.id from workflow_statuses ws
     cross join lateral (select id, due_date from line_items where status = ws.key and assignee_id = ${userId} order by due_date asc nulls last, id limit 20) li
     where ws.workflow = ${lineItemWorkflow} and ws.kind in ('open', 'hold')
     order by li.due_date asc nulls last, li.id
     limit 20`.execute(db);
  return workItems(db, rows.map((row) => row.id));
}

/** The latest completions, newest first, each completed status read from its (status, status_entered_at) index. */
async function latestCompleted(db: Db): Promise<WorkItem[]> {
  const { rows } = await sql<{ id: number }>`
    select li.id from workflow_statuses ws
     cross join lateral (select id, status_entered_at from line_items where status = ws.key order by status_entered_at desc limit 10) li
     where ws.workflow = ${lineItemWorkflow} and ws.kind = 'completed'
     order by li.status_entered_at desc
     limit 10`.execute(db);
  return workItems(db, rows.map((row) => row.id));
}

/** Admins see the whole shop and its latest activity; everyone else what is theirs. */
export async function dashboardSummary(db: Db, user: CurrentUser, today: string): Promise<DashboardSummary> {
  const isAdmin = can(user.roles, 'users:manage');
  const [myQueues, myOpenOrders, assignedToMe, recentlyCompleted, shop] = await Promise.all([
    can(user.roles, 'queues:view') && !isAdmin ? queuesAtAGlance(db, user, today) : undefined,
    user.roles.includes('sales') ? openOrdersOf(db, user.id) : undefined,
    assignedTo(db, user.id),
    user.roles.includes('accounting') ? latestCompleted(db) : undefined,
    isAdmin ? shopOverview(db, user, today) : undefined,
  ]);
  const recentActivity = await db
    .selectFrom('events')
    .leftJoin('users', 'users.id', 'events.actor_user_id')
    .leftJoin('users as subject_user', (join) => join.onRef('subject_user.id', '=', 'events.subject_id').on('events.subject_type', '=', 'user'))
    .leftJoin('customers as subject_customer', (join) => join.onRef('subject_customer.id', '=', 'events.subject_id').on('events.subject_type', '=', 'customer'))
    .leftJoin('kiosks as subject_kiosk', (join) => join.onRef('subject_kiosk.id', '=', 'events.subject_id').on('events.subject_type', '=', 'kiosk'))
    .leftJoin('orders as subject_order', (join) => join.onRef('subject_order.id', '=', 'events.subject_id').on('events.subject_type', '=', 'order'))
    .leftJoin('line_items as subject_item', (join) => join.onRef('subject_item.id', '=', 'events.subject_id').on('events.subject_type', '=', 'line_item'))
    .leftJoin('customers as order_customer', 'order_customer.id', 'subject_order.customer_id')
    .leftJoin('customers as item_customer', 'item_customer.id', 'subject_item.customer_id')
    .leftJoin('workflow_statuses as to_status', (join) => join.onRef('to_status.key', '=', 'events.to_status').on('to_status.workflow', '=', lineItemWorkflow).on('events.subject_type', '=', 'line_item'))
    .select([
      sql<string | null>`coalesce(subject_user.name, subject_customer.name, subject_kiosk.name, events.particulars->>'name')`.as('subjectName'),
      'subject_order.number as orderNumber',
      sql<string | null>`coalesce(order_customer.name, item_customer.name)`.as('customerName'),
      'events.actor_user_id as actorUserId',
      'to_status.label as toStatusLabel',
      sql<string | null>`events.particulars->>'label'`.as('itemLabel'),
      'events.id',
      'events.occurred_at as occurredAt',
      'users.name as actorName',
      'events.actor_via as actorVia',
      'events.subject_type as subjectType',
      'events.subject_id as subjectId',
      'events.action',
    ])
    .$if(!isAdmin, (q) => q.where('events.actor_user_id', '=', user.id))
    .orderBy('events.id', 'desc')
    .limit(isAdmin ? 15 : 10)
    .execute();
  const personal = { ...(myQueues ? { myQueues } : {}), ...(myOpenOrders !== undefined ? { myOpenOrders } : {}), ...(recentlyCompleted ? { recentlyCompleted } : {}) };
  if (!isAdmin) return { recentActivity, assignedToMe, ...personal };

  const counts = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('users').select(eb.fn.countAll<number>().as('n')).where('active', '=', true).as('activeUsers'),
      eb.selectFrom('outbox').select(eb.fn.countAll<number>().as('n')).where('status', 'in', ['pending', 'sending']).as('mailWaiting'),
      eb.selectFrom('outbox').select(eb.fn.countAll<number>().as('n')).where('status', '=', 'failed').as('mailFailed'),
    ])
    .executeTakeFirstOrThrow();
  return {
    recentActivity,
    assignedToMe,
    ...personal,
    shop,
    administration: { activeUsers: Number(counts.activeUsers), mailWaiting: Number(counts.mailWaiting), mailFailed: Number(counts.mailFailed) },
  };
}

/** How many items are past due in each queue, for the queues asked about, each status from its own index range. */
export async function overdueByQueue(db: Db, queueKeys: string[], today: string): Promise<Map<string, number>> {
  if (queueKeys.length === 0) return new Map();
  const { rows } = await sql<{ queueKey: string; n: number }>`
    select ws.queue_key as "queueKey", sum((select count(*) from line_items li where li.status = ws.key and li.due_date < ${today}::date))::int as n
      from workflow_statuses ws
     where ws.workflow = ${lineItemWorkflow} and ws.queue_key in (${sql.join(queueKeys)})
     group by ws.queue_key`.execute(db);
  return new Map(rows.map((row) => [row.queueKey, Number(row.n)]));
}

async function queuesAtAGlance(db: Db, user: CurrentUser, today: string): Promise<QueueAtAGlance[]> {
  const owned = (await queueNavigation(db, lineItemQueues, user)).filter((queue) => queue.owned);
  const overdue = await overdueByQueue(db, owned.map((queue) => queue.key), today);
  return owned.map((queue) => ({ key: queue.key, label: queue.label, count: queue.count, newCount: queue.newCount, overdue: overdue.get(queue.key) ?? 0 }));
}

async function openOrdersOf(db: Db, userId: number): Promise<number> {
  const row = await db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('orders.salesperson_id', '=', userId)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('line_items')
          .select('line_items.id')
          .whereRef('line_items.order_id', '=', 'orders.id')
          .where(isUnfinished),
      ),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
