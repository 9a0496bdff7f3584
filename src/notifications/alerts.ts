import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { enqueueMail } from '../mail/outbox.js';
import { queueNavigation, setQueueSubscription } from '../production/queues.js';
import { ValidationError } from '../platform/errors.js';

export async function listAlerts(db: DbOrTx, userId: number) {
  return db
    .selectFrom('alerts')
    .leftJoin('orders', 'orders.id', 'alerts.order_id')
    .select(['alerts.id', 'alerts.kind', 'alerts.message', 'alerts.created_at as createdAt', 'alerts.read_at as readAt', 'alerts.order_id as orderId', 'orders.number as orderNumber'])
    .where('alerts.user_id', '=', userId)
    .orderBy('alerts.id', 'desc')
    .limit(100)
    .execute();
}

export async function markAlertsRead(db: DbOrTx, userId: number): Promise<void> {
  await db.updateTable('alerts').set({ read_at: sql<Date>`now()` }).where('user_id', '=', userId).where('read_at', 'is', null).execute();
}

export type Digest = 'none' | 'hourly' | 'daily';

export interface NotificationPreferences {
  alertEmails: boolean;
  digest: Digest;
  /** The queues this person owns: alerted about, counted as new, and in their digest. */
  ownedQueues: string[];
}

export async function notificationPreferences(db: DbOrTx, user: { id: number; roles: string[] }) {
  const [row, queues] = await Promise.all([
    db.selectFrom('users').select(['alert_emails', 'queue_digest']).where('id', '=', user.id).executeTakeFirstOrThrow(),
    queueNavigation(db, user),
  ]);
  return { alertEmails: row.alert_emails, digest: row.queue_digest, queues };
}

export async function saveNotificationPreferences(db: Db, user: { id: number; roles: string[] }, preferences: NotificationPreferences): Promise<void> {
  if (!['none', 'hourly', 'daily'].includes(preferences.digest)) throw new ValidationError({ digest: 'Choose never, hourly or daily.' });
  const queues = await queueNavigation(db, user);
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('users').set({ alert_emails: preferences.alertEmails, queue_digest: preferences.digest }).where('id', '=', user.id).execute();
    for (const queue of queues) {
      const wanted = preferences.ownedQueues.includes(queue.key);
      if (wanted !== queue.owned) await setQueueSubscription(tx, user.id, queue.key, wanted);
    }
  });
}

const digestIntervals: Record<Exclude<Digest, 'none'>, string> = { hourly: '1 hour', daily: '1 day' };

/** Emails each person who asked for a digest what arrived in their queues since the last one. */
export async function sendQueueDigests(db: Db): Promise<number> {
  let sent = 0;
  for (const [digest, interval] of Object.entries(digestIntervals)) {
    const due = await db
      .selectFrom('users')
      .select(['id', 'name', 'email', sql<Date | null>`queue_digest_sent_at`.as('since'), sql<string[]>`array(select role from user_roles where user_id = users.id)`.as('roles')])
      .where('active', '=', true)
      .where('queue_digest', '=', digest as Digest)
      .where((eb) => eb.or([eb('queue_digest_sent_at', 'is', null), eb('queue_digest_sent_at', '<=', sql<Date>`now() - ${interval}::interval`)]))
      .execute();
    for (const person of due) {
      const since = person.since ?? new Date(Date.now() - (digest === 'hourly' ? 3600_000 : 86_400_000));
      const counts = await sql<{ key: string; label: string; count: number; arrived: number }>`
        select q.key, q.label, (select item_count from queue_totals t where t.key = q.key) as count,
               (select coalesce(sum(per_status.arrived), 0)::int from workflow_statuses ws
                 cross join lateral (select count(*) as arrived from line_items li
                                      where li.status = ws.key and li.status_entered_at > ${since}) per_status
                 where ws.queue_key = q.key) as arrived
          from queues q
          left join queue_subscriptions s on s.queue_key = q.key and s.user_id = ${person.id}
         where coalesce(s.subscribed, q.owner_roles && ${sql.val(person.roles)}::text[])
         order by q.position`.execute(db);
      // The same "is it due?" test, re-checked atomically: only one instance can move the time.
      const claimed = await db
        .updateTable('users')
        .set({ queue_digest_sent_at: sql<Date>`now()` })
        .where('id', '=', person.id)
        .where((eb) => eb.or([eb('queue_digest_sent_at', 'is', null), eb('queue_digest_sent_at', '<=', sql<Date>`now() - ${interval}::interval`)]))
        .executeTakeFirst();
      // Another app instance got there first.
      if (Number(claimed.numUpdatedRows) === 0) continue;
      const queues = counts.rows.filter((row) => row.arrived > 0);
      if (queues.length === 0) continue;
      await enqueueMail(db, {
        template: 'queue-digest',
        to: person.email,
        data: { name: person.name, queues: queues.map((q) => ({ key: q.key, label: q.label, arrived: q.arrived, waiting: Number(q.count) })), period: digest },
        idempotencyKey: `queue-digest:${person.id}:${Date.now()}`,
      });
      sent += 1;
    }
  }
  return sent;
}
