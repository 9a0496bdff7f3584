import type { FastifyInstance } from 'fastify';
import { schedule, type ScheduledTask } from 'node-cron';
import { sendQueueDigests } from './notifications/alerts.js';
import { sendCustomerUpdates } from './notifications/customer-updates.js';
import { deleteExpiredSessions } from './platform/session-store.js';
import { foldQueueChanges } from './workflow/queue-changes.js';

/**
 * The whole schedule. Every job is safe with several app instances running: mail rows and
 * customer updates are claimed with FOR UPDATE SKIP LOCKED, a digest is claimed by moving
 * the person's digest slot (the shop's hour or day) conditionally, queue changes are folded
 * under an advisory lock, and deleting expired sessions twice does no harm.
 */
export function startCron(app: FastifyInstance): { stop(): Promise<void> } {
  const failed = (job: string) => (error: unknown) => app.log.error({ err: error, job }, 'scheduled job failed');
  const tasks: ScheduledTask[] = [
    schedule('*/10 * * * * *', () => app.mail.nudge(), { name: 'deliver-mail', noOverlap: true }),
    schedule('*/2 * * * * *', () => foldQueueChanges(app.db).then(() => undefined, failed('fold-queue-changes')), {
      name: 'fold-queue-changes',
      noOverlap: true,
    }),
    schedule('*/15 * * * * *', () => sendCustomerUpdates(app.db).then((sent) => sent > 0 && app.mail.nudge(), failed('customer-updates')), {
      name: 'customer-updates',
      noOverlap: true,
    }),
    schedule(
      '5 * * * *',
      () => sendQueueDigests(app.db, { now: new Date(), timeZone: app.config.shopTimezone }).then((sent) => sent > 0 && app.mail.nudge(), failed('queue-digests')),
      { name: 'queue-digests', noOverlap: true, timezone: app.config.shopTimezone },
    ),
    schedule('17 * * * *', () => deleteExpiredSessions(app.db).then(() => undefined, failed('delete-expired-sessions')), {
      name: 'delete-expired-sessions',
      noOverlap: true,
    }),
  ];
  return {
    stop: async () => {
      await Promise.all(tasks.map((task) => task.stop()));
      await app.mail.idle();
    },
  };
}
