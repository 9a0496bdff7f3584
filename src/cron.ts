import type { FastifyInstance } from 'fastify';
import { schedule, type ScheduledTask } from 'node-cron';
import { modules } from './modules.js';
import { recordJobFailure, recordJobSuccess } from './ops/job-runs.js';

/**
 * Every module's scheduled jobs (each module's index.ts says what it adds and why it is safe with
 * several app instances running). A failed run is logged and noted in job_runs (an alert for as
 * long as it keeps failing); the next one tries again. When the database itself is away, noting
 * fails too, and the log is all there is.
 */
export function startCron(app: FastifyInstance): { stop(): Promise<void> } {
  const tasks: ScheduledTask[] = modules
    .flatMap((module) => module.jobs ?? [])
    .map((job) =>
      schedule(
        job.cron,
        () =>
          job.run(app).then(
            () => recordJobSuccess(app.db, job.name).catch(() => undefined),
            (error: unknown) => {
              app.log.error({ err: error, job: job.name }, 'scheduled job failed');
              return recordJobFailure(app.db, job.name, error).catch(() => undefined);
            },
          ),
        { name: job.name, noOverlap: true, ...(job.shopTime ? { timezone: app.config.shopTimezone } : {}) },
      ),
    );
  return {
    stop: async () => {
      await Promise.all(tasks.map((task) => task.stop()));
      await app.mail.idle();
    },
  };
}
