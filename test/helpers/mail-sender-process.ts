/**
 * A mail sender in a process of its own, for tests that kill it mid-send. Once loaded it waits
 * for a line on stdin (so a test can start the next one while this one is still loading), then
 * delivers until no message is pending or leased, waiting out other senders' leases, and exits 0.
 *
 * Environment: DATABASE_URL, SMTP_URL, LEASE_SECONDS, and SENDER_MODULE (the path of another
 * sender.ts to measure, e.g. an older version; default: this project's).
 */
import { once } from 'node:events';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import { createDb, type Db } from '../../src/db/database.js';

type SenderModule = typeof import('../../src/mail/sender.js');

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** Seconds until the next row becomes due (its retry time or the end of its lease); null when all are done. */
async function secondsUntilNextDue(db: Db): Promise<number | null> {
  const result = await sql<{ seconds: number | null }>`
    select extract(epoch from min(case when status = 'sending' then locked_until else next_attempt_at end) - now())::float8 as seconds
      from outbox where status in ('pending', 'sending')`.execute(db);
  return result.rows[0]?.seconds ?? null;
}

const sender: SenderModule = await import(process.env.SENDER_MODULE ?? '../../src/mail/sender.js');
const db = createDb(required('DATABASE_URL'), 2);
const options = {
  // One connection for all of this sender's messages: smtp-server waits 100 ms before it greets
  // each new one, which would make a few hundred messages slow to send.
  transport: nodemailer.createTransport({ url: required('SMTP_URL'), pool: true, maxConnections: 1 }),
  from: 'Acme Signs <orders@acme.test>',
  baseUrl: 'https://traveler.acme.test',
  leaseSeconds: Number(required('LEASE_SECONDS')),
};
await once(process.stdin, 'data');
// Sends what is due; when what is left is not due yet (a killed sender's lease), exits with
// notYetDue instead of waiting, so the test can move the clock on rather than sleep.
const notYetDue = 75;
for (;;) {
  await sender.deliverDueMail(db, options);
  const wait = await secondsUntilNextDue(db);
  if (wait === null) break;
  if (wait > 0) {
    process.exitCode = notYetDue;
    break;
  }
}
options.transport.close();
await db.destroy();
