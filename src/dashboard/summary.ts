import type { Db } from '../db/database.js';
import type { CurrentUser } from '../platform/auth.js';
import { can } from '../platform/permissions.js';

export interface ActivityLine {
  id: number;
  occurredAt: Date;
  actorName: string | null;
  actorVia: string | null;
  subjectType: string;
  subjectId: number;
  action: string;
}

export interface DashboardSummary {
  recentActivity: ActivityLine[];
  administration?: { activeUsers: number; mailWaiting: number; mailFailed: number };
}

/** Admins see the whole shop's latest activity and the health of users and mail; others see their own. */
export async function dashboardSummary(db: Db, user: CurrentUser): Promise<DashboardSummary> {
  const isAdmin = can(user.roles, 'users:manage');
  const recentActivity = await db
    .selectFrom('events')
    .leftJoin('users', 'users.id', 'events.actor_user_id')
    .select([
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
  if (!isAdmin) return { recentActivity };

  const counts = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('users').select(eb.fn.countAll<number>().as('n')).where('active', '=', true).as('activeUsers'),
      eb.selectFrom('outbox').select(eb.fn.countAll<number>().as('n')).where('status', 'in', ['pending', 'sending']).as('mailWaiting'),
      eb.selectFrom('outbox').select(eb.fn.countAll<number>().as('n')).where('status', '=', 'failed').as('mailFailed'),
    ])
    .executeTakeFirstOrThrow();
  return {
    recentActivity,
    administration: { activeUsers: Number(counts.activeUsers), mailWaiting: Number(counts.mailWaiting), mailFailed: Number(counts.mailFailed) },
  };
}
