import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { CurrentUser } from '../platform/auth.js';
import { can } from '../platform/permissions.js';
import { queueNavigation } from '../production/queues.js';

export interface ActivityLine {
  id: number;
  occurredAt: Date;
  actorName: string | null;
  actorVia: string | null;
  subjectType: string;
  subjectId: number;
  action: string;
  subjectName: string | null;
  itemLabel: string | null;
  toStatusLabel: string | null;
}

const phrases: Record<string, string> = {
  'signed-in': 'signed in',
  'password-set': 'set a new password for',
  'password-reset-sent': 'sent a password reset link to',
  'retry-requested': 'asked to resend',
};

/** "created user Pat Painter", "signed in", "updated shop settings". */
export function describeActivity(line: ActivityLine): string {
  if (line.action === 'signed-in') return phrases['signed-in']!;
  if (line.action === 'status-changed' && line.itemLabel && line.toStatusLabel) return `moved ${line.itemLabel} to ${line.toStatusLabel}`;
  const verb = phrases[line.action] ?? line.action.replaceAll('-', ' ');
  const subject = line.subjectType === 'user' ? `user ${line.subjectName ?? `#${line.subjectId}`}`
    : line.subjectType === 'outbox' ? `email #${line.subjectId}`
    : line.subjectType.replaceAll('_', ' ');
  return `${verb} ${subject}`;
}

export interface QueueAtAGlance {
  key: string;
  label: string;
  count: number;
  newCount: number;
  overdue: number;
}

export interface DashboardSummary {
  recentActivity: ActivityLine[];
  administration?: { activeUsers: number; mailWaiting: number; mailFailed: number };
  /** The queues this person owns, with what is new and what is late in each. */
  myQueues?: QueueAtAGlance[];
  /** For salespeople: their orders with items still open. */
  myOpenOrders?: number;
}

/** How many items are past due in each queue, for the queues asked about. */
export async function overdueByQueue(db: Db, queueKeys: string[], today: string): Promise<Map<string, number>> {
  if (queueKeys.length === 0) return new Map();
  const rows = await db
    .selectFrom('line_items')
    .innerJoin('workflow_statuses', 'workflow_statuses.key', 'line_items.status')
    .select(['workflow_statuses.queue_key as queueKey', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workflow_statuses.queue_key', 'in', queueKeys)
    .where('line_items.due_date', '<', today)
    .groupBy('workflow_statuses.queue_key')
    .execute();
  return new Map(rows.map((row) => [row.queueKey!, Number(row.n)]));
}

/** Admins see the whole shop's latest activity and the health of users and mail; others see their own. */
export async function dashboardSummary(db: Db, user: CurrentUser, today: string): Promise<DashboardSummary> {
  const isAdmin = can(user.roles, 'users:manage');
  const [myQueues, myOpenOrders] = await Promise.all([
    can(user.roles, 'queues:view') ? queuesAtAGlance(db, user, today) : undefined,
    user.roles.includes('sales') ? openOrdersOf(db, user.id) : undefined,
  ]);
  const recentActivity = await db
    .selectFrom('events')
    .leftJoin('users', 'users.id', 'events.actor_user_id')
    .leftJoin('users as subject_user', (join) =>
      join.onRef('subject_user.id', '=', 'events.subject_id').on('events.subject_type', '=', 'user'),
    )
    .leftJoin('workflow_statuses as to_status', 'to_status.key', 'events.to_status')
    .select([
      'subject_user.name as subjectName',
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
    .limit(10)
    .execute();
  const personal = { ...(myQueues ? { myQueues } : {}), ...(myOpenOrders !== undefined ? { myOpenOrders } : {}) };
  if (!isAdmin) return { recentActivity, ...personal };

  const counts = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('users').select(eb.fn.countAll<number>().as('n')).where('active', '=', true).as('activeUsers'),
      eb.selectFrom('outbox').select(eb.fn.countAll<number>().as('n')).where('status', 'in', ['pending', 'sending']).as('mailWaiting'),
      eb.selectFrom('outbox').select(eb.fn.countAll<number>().as('n')).where('status', '=', 'failed').as('mailFailed'),
    ])
    .executeTakeFirstOrThrow();
  return {
    recentActivity,
    ...personal,
    administration: { activeUsers: Number(counts.activeUsers), mailWaiting: Number(counts.mailWaiting), mailFailed: Number(counts.mailFailed) },
  };
}

async function queuesAtAGlance(db: Db, user: CurrentUser, today: string): Promise<QueueAtAGlance[]> {
  const owned = (await queueNavigation(db, user)).filter((queue) => queue.owned);
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
          .innerJoin('workflow_statuses', 'workflow_statuses.key', 'line_items.status')
          .select('line_items.id')
          .whereRef('line_items.order_id', '=', 'orders.id')
          .where('workflow_statuses.kind', 'in', ['open', 'hold']),
      ),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
