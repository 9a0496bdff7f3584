import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { ParsedMail } from 'mailparser';
import t from 'tap';
import type { Db } from '../../src/db/database.js';
import { projectRoot } from '../../src/paths.js';
import { enqueueMail } from '../../src/mail/outbox.js';
import { freshDatabase } from '../helpers/database.js';
import { startSmtpPeer, type SmtpAnswer } from '../helpers/smtp.js';

// The figures this prints are in docs/mail.md, with how to run it against another sender.ts.

const total = 200;
const kills = 20;
/** Short, so a row stranded by a kill is due again quickly; the app's default is 60 s. */
const leaseSeconds = 3;
const senderScript = fileURLToPath(new URL('../helpers/mail-sender-process.ts', import.meta.url));
/**
 * Loaded before tsx registers its module hooks, these packages' hundreds of files load natively:
 * a sender starts in about a second instead of two or three.
 */
const preloaded = ['kysely', 'pg', 'nodemailer', 'eta', 'html-to-text'].flatMap((name) => ['--import', name]);

interface Sender {
  process: ChildProcess;
  stderr: () => string;
}

/** Without NODE_OPTIONS: under tap it loads tap's process tracker, which nearly doubles a sender's start-up. */
function senderEnvironment(databaseUrl: string, smtpUrl: string): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _tapImports, ...environment } = process.env;
  return { ...environment, DATABASE_URL: databaseUrl, SMTP_URL: smtpUrl, LEASE_SECONDS: String(leaseSeconds) };
}

/** A sender that loads now and starts sending when told to. */
function loadSender(databaseUrl: string, smtpUrl: string): Sender {
  const child = spawn(process.execPath, [...preloaded, '--import', 'tsx', senderScript], {
    cwd: projectRoot,
    env: senderEnvironment(databaseUrl, smtpUrl),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { process: child, stderr: () => stderr };
}

/** Killed before the server takes the message (nothing arrives) or right after (its resend is a duplicate). */
type KillPoint = 'before accepting' | 'after accepting';

/** `kills` different arrivals among the first `total`, half of them killed before accepting, half after. */
function randomKillPlan(): Map<number, KillPoint> {
  const plan = new Map<number, KillPoint>();
  while (plan.size < kills) {
    const arrival = 1 + Math.floor(Math.random() * total);
    if (!plan.has(arrival)) plan.set(arrival, plan.size % 2 === 0 ? 'before accepting' : 'after accepting');
  }
  return plan;
}

async function queueMessages(db: Db): Promise<void> {
  for (let i = 0; i < total; i++) {
    await enqueueMail(db, {
      template: 'password-reset',
      to: `person${i}@acme.test`,
      data: { name: `Person ${i}`, resetPath: `/password-reset/${i}`, expiresInHours: 24 },
      idempotencyKey: `crash:${i}`,
    });
  }
}

/** Counts the leases taken since the last call: what one kill leaves waiting for its lease to run out. */
function strandedRows(db: Db): () => Promise<number> {
  const seen = new Set<string>();
  return async () => {
    const leased = await db.selectFrom('outbox').select(['id', 'locked_until']).where('status', '=', 'sending').execute();
    const fresh = leased.map((row) => `${row.id}@${row.locked_until?.toISOString()}`).filter((lease) => !seen.has(lease));
    for (const lease of fresh) seen.add(lease);
    return fresh.length;
  };
}

/** What a sender process exits with when the rest is not due yet (see test/helpers/mail-sender-process.ts). */
const notYetDue = 75;

/** The clock moved on past every lease and retry wait: what a dead sender left is due now. */
async function leasesRunOut(db: Db): Promise<void> {
  await sql`update outbox set locked_until = now() - interval '1 second' where status = 'sending' and locked_until >= now()`.execute(db);
  await sql`update outbox set next_attempt_at = now() where status = 'pending' and next_attempt_at > now()`.execute(db);
}

/** Every copy received, grouped by the outbox row it came from (X-Traveler-Message). */
function copiesByRow(received: ParsedMail[]): Map<string, ParsedMail[]> {
  const copies = new Map<string, ParsedMail[]>();
  for (const mail of received) {
    const row = String(mail.headers.get('x-traveler-message'));
    copies.set(row, [...(copies.get(row) ?? []), mail]);
  }
  return copies;
}

t.test(`${kills} senders killed at random points while sending ${total} emails: every email arrives, a resend keeps its Message-ID`, async (t) => {
  const { db, url } = await freshDatabase(t);
  const plan = randomKillPlan();
  let sender: ChildProcess | undefined;
  let killed = 0;
  let mostStrandedByAKill = 0;
  const strandedSinceLastKill = strandedRows(db);
  const smtp = await startSmtpPeer(t, {
    answer: async (_mail, arrival): Promise<SmtpAnswer> => {
      const point = plan.get(arrival);
      if (!point) return 'accept';
      sender?.kill('SIGKILL');
      killed += 1;
      mostStrandedByAKill = Math.max(mostStrandedByAKill, await strandedSinceLastKill());
      return point === 'after accepting' ? 'accept' : 'ignore';
    },
  });
  // The next senders load while the current one sends, so a kill costs no start-up time.
  const loading = [loadSender(url, smtp.url), loadSender(url, smtp.url)];
  t.teardown(() => {
    sender?.kill('SIGKILL');
    for (const next of loading) next.process.kill('SIGKILL');
  });
  await queueMessages(db);

  const started = Date.now();
  const deadline = started + 90_000;
  let runs = 0;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`not done after ${runs} sender runs`);
    runs += 1;
    const current = loading.shift()!;
    loading.push(loadSender(url, smtp.url));
    sender = current.process;
    current.process.stdin!.end('go\n');
    const [code, signal] = (await once(current.process, 'exit')) as [number | null, NodeJS.Signals | null];
    if (signal === 'SIGKILL') continue;
    if (code === notYetDue) {
      await leasesRunOut(db);
      continue;
    }
    if (code !== 0) throw new Error(`the sender exited with ${code ?? signal}: ${current.stderr()}`);
    break;
  }
  const seconds = (Date.now() - started) / 1000;

  const copies = copiesByRow(smtp.received);
  const resends = [...copies.values()].flatMap(([first, ...again]) => again.map((copy) => ({ first: first!, copy })));
  const sameMessageId = resends.filter(({ first, copy }) => copy.messageId === first.messageId).length;
  const killedAfterAccepting = [...plan.values()].filter((point) => point === 'after accepting').length;
  t.comment(`${killed} kills (${killedAfterAccepting} right after the server took a message), ${runs} sender runs, ${seconds.toFixed(1)} s`);
  t.comment(`${resends.length} duplicates, ${sameMessageId} with the Message-ID of their first copy; at most ${mostStrandedByAKill} rows left waiting for their lease by one kill`);

  t.equal(killed, kills, 'every planned kill happened while sending');
  t.equal(copies.size, total, 'every email arrived at least once');
  t.equal(sameMessageId, resends.length, 'every duplicate carries the Message-ID of its first copy');
  t.ok(resends.length <= kills, `no more duplicates (${resends.length}) than kills (${kills})`);
  t.equal(mostStrandedByAKill, 1, 'a killed sender leaves only the row it was sending waiting for its lease');
  const unsent = await db.selectFrom('outbox').select('id').where('status', '!=', 'sent').execute();
  t.same(unsent, [], 'every row is recorded as sent');
});
