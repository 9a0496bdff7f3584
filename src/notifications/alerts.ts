import { sql } from 'kysely';
import { alertKindLabels, openAlertsForOwner } from '../alerts/center.js';
import type { RaisedAlert } from '../alerts/sweep.js';
import type { ShopAlertKind } from '../db/types.js';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { enqueueMail } from '../mail/outbox.js';
import { lineItemQueues } from '../line-items/subject.js';
import { queueNavigation, setQueueSubscription } from '../workflow/navigation.js';
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
    queueNavigation(db, lineItemQueues, user),
  ]);
  return { alertEmails: row.alert_emails, digest: row.queue_digest, queues };
}

export async function saveNotificationPreferences(db: Db, user: { id: number; roles: string[] }, preferences: NotificationPreferences): Promise<void> {
  if (!['none', 'hourly', 'daily'].includes(preferences.digest)) throw new ValidationError({ digest: 'Choose never, hourly or daily.' });
  const queues = await queueNavigation(db, lineItemQueues, user);
  await inTransaction(db, async (tx) => {
    await tx.updateTable('users').set({ alert_emails: preferences.alertEmails, queue_digest: preferences.digest }).where('id', '=', user.id).execute();
    for (const queue of queues) {
      const wanted = preferences.ownedQueues.includes(queue.key);
      if (wanted !== queue.owned) await setQueueSubscription(tx, user.id, lineItemQueues.workflow, queue.key, wanted);
    }
  });
}

type DigestPeriod = Exclude<Digest, 'none'>;
const digestPeriods: DigestPeriod[] = ['hourly', 'daily'];

export interface DigestClock {
  now: Date;
  /** The shop's IANA zone: its hours and calendar days are the digests' slots. */
  timeZone: string;
}

interface DigestSlot {
  /** The start of the shop's hour (hourly) or day (daily) that the clock is in. */
  current: Date;
  previous: Date;
}

interface DigestRecipient {
  id: number;
  name: string;
  email: string;
  lastSlot: Date | null;
  roles: string[];
}

/** date_trunc in the shop's zone, so a daily slot starts at the shop's midnight, summer time or not. */
async function digestSlots(db: DbOrTx, clock: DigestClock): Promise<Record<DigestPeriod, DigestSlot>> {
  const now = sql`${clock.now.toISOString()}::timestamptz`;
  const slots = await sql<{ hour: Date; previousHour: Date; day: Date; previousDay: Date }>`
    select date_trunc('hour', ${now}, ${clock.timeZone}) as hour,
           date_trunc('hour', date_trunc('hour', ${now}, ${clock.timeZone}) - interval '1 minute', ${clock.timeZone}) as "previousHour",
           date_trunc('day', ${now}, ${clock.timeZone}) as day,
           date_trunc('day', date_trunc('day', ${now}, ${clock.timeZone}) - interval '1 minute', ${clock.timeZone}) as "previousDay"`.execute(db);
  const row = slots.rows[0]!;
  return { hourly: { current: row.hour, previous: row.previousHour }, daily: { current: row.day, previous: row.previousDay } };
}

async function recipientsDue(db: DbOrTx, period: DigestPeriod, slot: DigestSlot): Promise<DigestRecipient[]> {
  return db
    .selectFrom('users')
    .select(['id', 'name', 'email', 'queue_digest_slot as lastSlot', sql<string[]>`array(select role from user_roles where user_id = users.id)`.as('roles')])
    .where('active', '=', true)
    .where('queue_digest', '=', period)
    .where((eb) => eb.or([eb('queue_digest_slot', 'is', null), eb('queue_digest_slot', '<', slot.current)]))
    .execute();
}

/** The same "is it due?" test, re-checked atomically: of two app instances, one moves the slot. */
async function claimDigestSlot(db: DbOrTx, userId: number, slot: DigestSlot): Promise<boolean> {
  const claimed = await db
    .updateTable('users')
    .set({ queue_digest_slot: slot.current })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('queue_digest_slot', 'is', null), eb('queue_digest_slot', '<', slot.current)]))
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1;
}

/** Arrivals up to the current slot only: the next digest starts there, so none is counted twice. */
async function arrivalsInOwnedQueues(db: DbOrTx, person: DigestRecipient, since: Date, until: Date) {
  const counts = await sql<{ key: string; label: string; count: number; arrived: number }>`
    select q.key, q.label, (select item_count from queue_totals t where t.workflow = q.workflow and t.key = q.key) as count,
           (select coalesce(sum(per_status.arrived), 0)::int from workflow_statuses ws
             cross join lateral (select count(*) as arrived from ${sql.table(lineItemQueues.subjectTable)} li
                                  where li.status = ws.key and li.status_entered_at >= ${since} and li.status_entered_at < ${until}) per_status
             where ws.workflow = q.workflow and ws.queue_key = q.key) as arrived
      from queues q
      left join queue_subscriptions s on s.workflow = q.workflow and s.queue_key = q.key and s.user_id = ${person.id}
     where q.workflow = ${lineItemQueues.workflow}
       and coalesce(s.subscribed, q.owner_roles && ${sql.val(person.roles)}::text[])
     order by q.position`.execute(db);
  return counts.rows.filter((row) => row.arrived > 0).map((q) => ({ key: q.key, label: q.label, arrived: q.arrived, waiting: Number(q.count) }));
}

async function sendDigest(db: Db, person: DigestRecipient, period: DigestPeriod, slot: DigestSlot, now: Date): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    if (!(await claimDigestSlot(tx, person.id, slot))) return false;
    const queues = await arrivalsInOwnedQueues(tx, person, person.lastSlot ?? slot.previous, slot.current);
    const openAlerts = Object.entries(await openAlertsForOwner(tx, person, now)).map(([kind, count]) => ({ label: alertKindLabels[kind as ShopAlertKind], count }));
    if (queues.length === 0 && openAlerts.length === 0) return false;
    await enqueueMail(tx, {
      template: 'queue-digest',
      to: person.email,
      data: { name: person.name, queues, period, openAlerts },
      idempotencyKey: `queue-digest:${person.id}:${slot.current.toISOString()}`,
    });
    return true;
  });
}

/**
 * Emails each person who asked for a digest what arrived in their queues since their last one,
 * and the alerts in those queues nobody has answered yet.
 * A person is due once per slot (the shop's hour or calendar day the clock is in).
 */
export async function sendQueueDigests(db: Db, clock: DigestClock): Promise<number> {
  const slots = await digestSlots(db, clock);
  let sent = 0;
  for (const period of digestPeriods) {
    for (const person of await recipientsDue(db, period, slots[period])) {
      if (await sendDigest(db, person, period, slots[period], clock.now)) sent += 1;
    }
  }
  return sent;
}

function alertSummary(kinds: Map<ShopAlertKind, number>): string {
  return [...kinds].map(([kind, count]) => `${count} ${alertKindLabels[kind].toLowerCase()}`).join(', ');
}

/**
 * Tells the owners of each queue that new alerts were raised in it (one message per queue and
 * sweep, not one per alert), and the admins about new errors. Each message links to the alerts.
 */
export async function tellOwnersOfNewAlerts(db: DbOrTx, raised: readonly RaisedAlert[]): Promise<number> {
  const byQueue = new Map<string | null, Map<ShopAlertKind, number>>();
  for (const alert of raised) {
    const queue = alert.kind === 'mail_failed' || alert.kind === 'job_failed' ? null : alert.queueKey;
    if (queue === undefined) continue;
    const kinds = byQueue.get(queue) ?? new Map<ShopAlertKind, number>();
    kinds.set(alert.kind, (kinds.get(alert.kind) ?? 0) + 1);
    byQueue.set(queue, kinds);
  }
  let told = 0;
  for (const [queueKey, kinds] of byQueue) {
    const total = [...kinds.values()].reduce((sum, count) => sum + count, 0);
    if (queueKey === null) {
      const message = `${total} new ${total === 1 ? 'error' : 'errors'} in Alerts: ${alertSummary(kinds)}.`;
      const result = await sql`
        insert into alerts (user_id, kind, message)
        select u.id, 'shop-alerts', ${message} from users u
         where u.active and exists (select 1 from user_roles r where r.user_id = u.id and r.role = 'admin')`.execute(db);
      told += Number(result.numAffectedRows ?? 0);
      continue;
    }
    const result = await sql`
      insert into alerts (user_id, kind, message)
      select u.id, 'shop-alerts', ${`${total} new ${total === 1 ? 'alert' : 'alerts'} in `} || q.label || ': ' || ${alertSummary(kinds)} || '.'
        from queues q
        cross join users u
        left join queue_subscriptions s on s.workflow = q.workflow and s.queue_key = q.key and s.user_id = u.id
       where q.workflow = ${lineItemQueues.workflow} and q.key = ${queueKey} and u.active
         and coalesce(s.subscribed, q.owner_roles && array(select r.role from user_roles r where r.user_id = u.id))`.execute(db);
    told += Number(result.numAffectedRows ?? 0);
  }
  return told;
}
