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
  subjectName: string | null;
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
  const verb = phrases[line.action] ?? line.action.replaceAll('-', ' ');
  const subject = line.subjectType === 'user' ? `user ${line.subjectName ?? `#${line.subjectId}`}`
    : line.subjectType === 'outbox' ? `email #${line.subjectId}`
    : line.subjectType.replaceAll('_', ' ');
  return `${verb} ${subject}`;
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
    .leftJoin('users as subject_user', (join) =>
      join.onRef('subject_user.id', '=', 'events.subject_id').on('events.subject_type', '=', 'user'),
    )
    .select([
      'subject_user.name as subjectName',
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
