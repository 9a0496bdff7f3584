import { sql } from 'kysely';
import t from 'tap';
import { createDb } from '../../src/db/database.js';
import { enqueueMail } from '../../src/mail/outbox.js';
import { createTransport, defaultLeaseSeconds, deliverDueMail, maxAttempts, retryDelaySeconds, smtpTimeouts } from '../../src/mail/sender.js';
import { freshDatabase } from '../helpers/database.js';
import { startSilentPeer, startSmtpPeer } from '../helpers/smtp.js';

const options = (smtpUrl: string | null) => ({
  transport: smtpUrl ? createTransport(smtpUrl) : null,
  from: 'Acme Signs <orders@acme.test>',
  baseUrl: 'https://traveler.acme.test',
});

function queueReset(db: Parameters<typeof enqueueMail>[0], key: string, to = 'ada@acme.test') {
  return enqueueMail(db, {
    template: 'password-reset',
    to,
    data: { name: 'Ada', resetPath: '/password-reset/abc123', expiresInHours: 24 },
    idempotencyKey: key,
  });
}

t.test('an outbox message is delivered through SMTP and the answer recorded', async (t) => {
  const { db } = await freshDatabase(t);
  const smtp = await startSmtpPeer(t);
  await db.updateTable('shop_settings').set({ shop_name: 'Acme Signs' }).execute();

  t.equal(await queueReset(db, 'reset:1'), true, 'queued');
  t.equal(await queueReset(db, 'reset:1'), false, 'the same idempotency key queues nothing more');

  const result = await deliverDueMail(db, options(smtp.url));
  t.same(result, { sent: 1, captured: 0, retrying: 0, failed: 0 });
  const [mail] = await smtp.waitFor(1);
  t.equal(mail!.subject, 'Set a new password for Acme Signs on Traveler');
  t.equal(mail!.from?.text, '"Acme Signs" <orders@acme.test>');
  t.match(String(mail!.html), /href="https:\/\/traveler\.acme\.test\/password-reset\/abc123"/, 'the HTML part links with the base URL');
  t.match(mail!.text ?? '', /Hello Ada,/, 'a plain-text part from the same template');
  t.match(mail!.text ?? '', /https:\/\/traveler\.acme\.test\/password-reset\/abc123/);
  t.notMatch(mail!.text ?? '', /<p>|<a /, 'the text part has no markup');

  const row = await db.selectFrom('outbox').selectAll().executeTakeFirstOrThrow();
  t.equal(row.status, 'sent');
  t.equal(row.attempts, 1);
  t.match(row.message_id ?? '', /^<.+@.+>$/, 'message id recorded');
  t.match(row.smtp_response ?? '', /^250 /, 'SMTP response recorded');
  t.ok(row.sent_at);

  t.same(await deliverDueMail(db, options(smtp.url)), { sent: 0, captured: 0, retrying: 0, failed: 0 }, 'nothing is sent twice');
  t.equal(smtp.received.length, 1);
});

t.test('a refused message is retried with backoff, then delivered', async (t) => {
  const { db } = await freshDatabase(t);
  const smtp = await startSmtpPeer(t);
  await queueReset(db, 'reset:retry');
  smtp.rejectNext(1);

  const first = await deliverDueMail(db, options(smtp.url));
  t.same(first, { sent: 0, captured: 0, retrying: 1, failed: 0 });
  const afterFailure = await db
    .selectFrom('outbox')
    .select(['status', 'attempts', 'last_error', 'smtp_response', sql<number>`extract(epoch from next_attempt_at - now())`.as('waitSeconds')])
    .executeTakeFirstOrThrow();
  t.equal(afterFailure.status, 'pending');
  t.equal(afterFailure.attempts, 1);
  t.match(afterFailure.last_error ?? '', /Mailbox temporarily unavailable/);
  t.match(afterFailure.smtp_response ?? '', /^451/);
  t.ok(afterFailure.waitSeconds > 20 && afterFailure.waitSeconds <= 30, `waits about ${retryDelaySeconds(1)} s before the next try`);

  t.same(await deliverDueMail(db, options(smtp.url)), { sent: 0, captured: 0, retrying: 0, failed: 0 }, 'not due yet');

  await db.updateTable('outbox').set({ next_attempt_at: sql<Date>`now()` }).execute();
  t.same(await deliverDueMail(db, options(smtp.url)), { sent: 1, captured: 0, retrying: 0, failed: 0 });
  await smtp.waitFor(1);
  const delivered = await db.selectFrom('outbox').select(['status', 'attempts', 'last_error']).executeTakeFirstOrThrow();
  t.same(delivered, { status: 'sent', attempts: 2, last_error: null });
});

t.test('after the last attempt a message is marked failed', async (t) => {
  const { db } = await freshDatabase(t);
  await queueReset(db, 'reset:dead');
  await db.updateTable('outbox').set({ attempts: maxAttempts - 1 }).execute();
  const result = await deliverDueMail(db, options('smtp://127.0.0.1:1'));
  t.same(result, { sent: 0, captured: 0, retrying: 0, failed: 1 });
  const row = await db.selectFrom('outbox').select(['status', 'attempts', 'last_error']).executeTakeFirstOrThrow();
  t.equal(row.status, 'failed');
  t.equal(row.attempts, maxAttempts);
  t.match(row.last_error ?? '', /ECONNREFUSED|connect/i);
});

t.test('backoff doubles and is capped at an hour', async (t) => {
  t.same([1, 2, 3, 4, 8, 20].map(retryDelaySeconds), [30, 60, 120, 240, 3600, 3600]);
});

t.test('two app instances sending at once deliver every message exactly once', async (t) => {
  const { db, url } = await freshDatabase(t);
  const smtp = await startSmtpPeer(t);
  const total = 60;
  for (let i = 0; i < total; i++) await queueReset(db, `reset:${i}`, `person${i}@acme.test`);

  // Each "instance" has its own connection pool and transport, as two processes would.
  const instanceA = createDb(url, 4);
  const instanceB = createDb(url, 4);
  t.teardown(async () => {
    await instanceA.destroy();
    await instanceB.destroy();
  });
  const [a, b] = await Promise.all([
    deliverDueMail(instanceA, options(smtp.url)),
    deliverDueMail(instanceB, options(smtp.url)),
  ]);
  t.equal(a.sent + b.sent, total, `all sent (${a.sent} by one, ${b.sent} by the other)`);
  t.ok(a.sent > 0 && b.sent > 0, 'both instances did part of the work');

  await smtp.waitFor(total);
  const recipients = smtp.received.map((mail) => mail.to && !Array.isArray(mail.to) ? mail.to.text : '');
  t.equal(new Set(recipients).size, total, 'no recipient got a message twice');
  t.equal(smtp.received.length, total);
  const statuses = await db.selectFrom('outbox').select(['status', 'attempts']).execute();
  t.ok(statuses.every((row) => row.status === 'sent' && row.attempts === 1), 'every row sent on its first attempt');
});

t.test('without SMTP the message is rendered and kept for the Mailbox', async (t) => {
  const { db } = await freshDatabase(t);
  await queueReset(db, 'reset:captured');
  t.same(await deliverDueMail(db, options(null)), { sent: 0, captured: 1, retrying: 0, failed: 0 });
  const row = await db.selectFrom('outbox').selectAll().executeTakeFirstOrThrow();
  t.equal(row.status, 'captured');
  t.match(row.subject ?? '', /Set a new password/);
  t.match(row.html_body ?? '', /<html/);
  t.match(row.text_body ?? '', /Hello Ada/);
});

t.test('a mail whose sender died mid-send is picked up again after its lease', async (t) => {
  const { db } = await freshDatabase(t);
  const smtp = await startSmtpPeer(t);
  await queueReset(db, 'reset:lease');
  await db.updateTable('outbox').set({ status: 'sending', attempts: 1, locked_until: sql<Date>`now() + interval '1 minute'` }).execute();
  t.same(await deliverDueMail(db, options(smtp.url)), { sent: 0, captured: 0, retrying: 0, failed: 0 }, 'leased to someone else');
  await db.updateTable('outbox').set({ locked_until: sql<Date>`now() - interval '1 second'` }).execute();
  t.same(await deliverDueMail(db, options(smtp.url)), { sent: 1, captured: 0, retrying: 0, failed: 0 }, 'lease expired: taken over');
  await smtp.waitFor(1);
});

t.test('every attempt at one outbox row carries the same Message-ID', async (t) => {
  const { db } = await freshDatabase(t);
  const smtp = await startSmtpPeer(t);
  await queueReset(db, 'reset:resend');
  await deliverDueMail(db, options(smtp.url));
  // As a sender that died after the server took the message but before recording it leaves the row.
  await db.updateTable('outbox').set({ status: 'sending', locked_until: sql<Date>`now() - interval '1 second'` }).execute();
  await deliverDueMail(db, options(smtp.url));

  const [first, resend] = await smtp.waitFor(2);
  const row = await db.selectFrom('outbox').select(['id', 'message_token', 'message_id', 'attempts']).executeTakeFirstOrThrow();
  t.equal(row.attempts, 2, 'sent twice');
  t.match(row.message_token, /^[0-9a-f]{32}$/, 'a random token given at insert');
  t.equal(first!.messageId, `<outbox-${row.id}.${row.message_token}@acme.test>`, 'the outbox id and token, at the sender’s domain');
  t.equal(resend!.messageId, first!.messageId, 'the resend is recognisably the same email');
  t.equal(row.message_id, first!.messageId, 'and it is the one recorded');
  t.equal(resend!.headers.get('x-traveler-message'), String(row.id));
});

t.test('a sender holds one message at a time, under its own lease', async (t) => {
  const { db } = await freshDatabase(t);
  const leased: { id: number; leaseSeconds: number }[][] = [];
  const smtp = await startSmtpPeer(t, {
    answer: async () => {
      const rows = await db
        .selectFrom('outbox')
        .select(['id', sql<number>`round(extract(epoch from locked_until - now()))::int`.as('leaseSeconds')])
        .where('status', '=', 'sending')
        .execute();
      leased.push(rows);
      return 'accept' as const;
    },
  });
  for (let i = 0; i < 5; i++) await queueReset(db, `reset:one-at-a-time:${i}`, `person${i}@acme.test`);

  t.same(await deliverDueMail(db, options(smtp.url)), { sent: 5, captured: 0, retrying: 0, failed: 0 });
  t.same(
    leased.map((rows) => rows.length),
    [1, 1, 1, 1, 1],
    'while a message is with the server, no other is claimed: a sender that dies strands only that one',
  );
  t.ok(defaultLeaseSeconds <= 60, `a lease of ${defaultLeaseSeconds} s, at most a minute`);
  t.ok(
    leased.flat().every((row) => row.leaseSeconds <= defaultLeaseSeconds && row.leaseSeconds > defaultLeaseSeconds - 5),
    `each message leased for ${defaultLeaseSeconds} s`,
  );
});

t.test('a sender whose lease ran out does not overwrite the result of the sender that took over', async (t) => {
  const { db, url } = await freshDatabase(t);
  const late = createDb(url, 2);
  t.teardown(() => late.destroy());
  let takeover: Awaited<ReturnType<typeof deliverDueMail>> | undefined;
  const smtp = await startSmtpPeer(t, {
    answer: async (_mail, arrival) => {
      if (arrival > 1) return 'accept';
      // The first sender is stuck past its lease: another instance claims the row and sends it...
      await db.updateTable('outbox').set({ locked_until: sql<Date>`now() - interval '1 second'` }).execute();
      takeover = await deliverDueMail(db, options(smtp.url));
      // ...then the server finally refuses the first sender's copy.
      return 'reject';
    },
  });
  await queueReset(db, 'reset:takeover');

  const stuck = await deliverDueMail(late, options(smtp.url));
  t.same(takeover, { sent: 1, captured: 0, retrying: 0, failed: 0 }, 'the instance that took over sent it');
  t.same(stuck, { sent: 0, captured: 0, retrying: 0, failed: 0 }, 'the late sender counts nothing: the row is no longer its own');
  const row = await db.selectFrom('outbox').select(['status', 'attempts', 'last_error', 'claim_token']).executeTakeFirstOrThrow();
  t.same(row, { status: 'sent', attempts: 2, last_error: null, claim_token: null }, 'the late failure did not put the sent message back in the queue');
  t.same(await deliverDueMail(db, options(smtp.url)), { sent: 0, captured: 0, retrying: 0, failed: 0 }, 'nothing left to send');
  t.equal(smtp.received.length, 1);
});

t.test('a server that never answers fails the send well within the lease', async (t) => {
  const { db } = await freshDatabase(t);
  const silent = await startSilentPeer(t);
  await queueReset(db, 'reset:silent');
  const leaseSeconds = 3;
  const started = Date.now();
  const result = await deliverDueMail(db, { ...options(silent.url), leaseSeconds });
  const seconds = (Date.now() - started) / 1000;
  t.same(result, { sent: 0, captured: 0, retrying: 1, failed: 0 });
  t.ok(seconds < leaseSeconds, `gave up after ${seconds.toFixed(2)} s (at half its ${leaseSeconds} s lease) and recorded it while the row was still its own`);
  const row = await db.selectFrom('outbox').select(['status', 'last_error', 'locked_until']).executeTakeFirstOrThrow();
  t.same(row, { status: 'pending', last_error: 'The SMTP server did not take the message within 1.5 s.', locked_until: null });
  const slowest = Math.max(smtpTimeouts.connectionTimeout, smtpTimeouts.greetingTimeout, smtpTimeouts.socketTimeout);
  t.ok(slowest <= (defaultLeaseSeconds * 1000) / 2, 'each SMTP timeout is within the send deadline of the default lease');
});
