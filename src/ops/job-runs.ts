import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/**
 * Notes a scheduled job's success. Jobs run every few seconds, so a healthy job's row is touched
 * at most once a minute; a failing one's is cleared at once.
 */
export async function recordJobSuccess(db: Db, name: string): Promise<void> {
  await db
    .insertInto('job_runs')
    .values({ name, last_succeeded_at: sql<Date>`now()` })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ last_succeeded_at: sql<Date>`now()`, failing_since: null })
        .where((eb) => eb.or([eb('job_runs.failing_since', 'is not', null), eb('job_runs.last_succeeded_at', 'is', null), eb('job_runs.last_succeeded_at', '<', sql<Date>`now() - interval '1 minute'`)])),
    )
    .execute();
}

/** Notes a failed run: the alert sweep raises one alert per job for as long as it keeps failing. */
export async function recordJobFailure(db: Db, name: string, error: unknown): Promise<void> {
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
  await db
    .insertInto('job_runs')
    .values({ name, last_failed_at: sql<Date>`now()`, failing_since: sql<Date>`now()`, last_error: message })
    .onConflict((oc) => oc.column('name').doUpdateSet({ last_failed_at: sql<Date>`now()`, failing_since: sql<Date>`coalesce(job_runs.failing_since, now())`, last_error: message }))
    .execute();
}
