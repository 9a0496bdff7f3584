import nodemailer, { type SendMailOptions, type SentMessageInfo, type Transporter } from 'nodemailer';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { OutboxRow } from '../db/types.js';
import { isMailTemplateName, renderMail, type MailContext, type RenderedMail } from './templates.js';

export const maxAttempts = 8;
export const defaultLeaseSeconds = 60;

/** Each under the send deadline (half the lease), so a server stuck at one step fails with nodemailer's own error. */
export const smtpTimeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/** 30 s, 1 min, 2 min, ... capped at one hour. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(30 * 2 ** Math.max(attempts - 1, 0), 3600);
}

/** Timeouts given in SMTP_URL's query string (e.g. `?socketTimeout=30000`) win over ours. */
export function createTransport(smtpUrl: string): Transporter {
  return nodemailer.createTransport({ url: smtpUrl, ...smtpTimeouts });
}

export interface DeliveryOptions {
  /** null: no SMTP_URL, messages are rendered and kept for the admin Mailbox. */
  transport: Transporter | null;
  from: string;
  baseUrl: string;
  /** How long a claimed message stays this sender's; a sender that dies leaves only that one waiting this long. */
  leaseSeconds?: number;
}

export interface DeliveryResult {
  sent: number;
  captured: number;
  retrying: number;
  failed: number;
}

/** The row's lease ran out and another sender claimed it: its result is the one that counts. */
type Outcome = keyof DeliveryResult | 'superseded';

export type ClaimedMail = OutboxRow & { claim_token: string };

/** The send gives up at half the lease, so its result is recorded while the row is still ours. */
function sendDeadlineMs(leaseSeconds: number): number {
  return (leaseSeconds * 1000) / 2;
}

/**
 * Claims the next due message with FOR UPDATE SKIP LOCKED and marks it 'sending' under a lease
 * of its own in the same statement, so two app instances never pick the same row. A row whose
 * sender died mid-send is due again once its lease runs out; the new claim token tells the old
 * sender, should it come back, that the row is no longer its to record.
 */
export async function claimNextMail(db: Db, leaseSeconds: number): Promise<ClaimedMail | undefined> {
  const result = await sql<ClaimedMail>`
    update outbox
       set status = 'sending',
           attempts = attempts + 1,
           locked_until = now() + make_interval(secs => ${leaseSeconds}),
           claim_token = gen_random_uuid()
     where id = (
       select id from outbox
        where (status = 'pending' and next_attempt_at <= now())
           or (status = 'sending' and locked_until < now())
        order by next_attempt_at, id
        limit 1
        for update skip locked)
    returning *`.execute(db);
  return result.rows[0];
}

/** The same on every attempt at one row, so receivers and mail clients collapse a resend. */
export function outboxMessageId(row: Pick<OutboxRow, 'id' | 'message_token'>, from: string): string {
  return `<outbox-${row.id}.${row.message_token}@${senderDomain(from)}>`;
}

function senderDomain(from: string): string {
  return /@([^\s<>@]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
}

async function mailContext(db: Db, baseUrl: string): Promise<MailContext> {
  const settings = await db.selectFrom('shop_settings').select(['shop_name', 'reply_to_email']).executeTakeFirst();
  return { shopName: settings?.shop_name ?? 'Traveler', baseUrl, ...(settings?.reply_to_email ? { replyTo: settings.reply_to_email } : {}) };
}

function render(row: ClaimedMail, context: MailContext): RenderedMail {
  if (!isMailTemplateName(row.template)) throw new Error(`Unknown mail template "${row.template}".`);
  return renderMail(row.template, row.data, context);
}

function outgoingMail(row: ClaimedMail, rendered: RenderedMail, messageId: string, context: MailContext, from: string): SendMailOptions {
  return {
    from,
    to: row.to_address,
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    messageId,
    ...(context.replyTo ? { replyTo: context.replyTo } : {}),
    headers: { 'X-Traveler-Message': String(row.id) },
  };
}

async function sendWithin(transport: Transporter, mail: SendMailOptions, deadlineMs: number): Promise<SentMessageInfo> {
  try {
    return await transport.sendMail({ ...mail, signal: AbortSignal.timeout(deadlineMs) });
  } catch (error) {
    if ((error as { code?: string }).code === 'EABORT') throw new Error(`The SMTP server did not take the message within ${deadlineMs / 1000} s.`, { cause: error });
    throw error;
  }
}

/** Only the sender still holding the row's claim may record what happened to it. */
function updateOwnRow(db: Db, row: ClaimedMail) {
  return db.updateTable('outbox').where('id', '=', row.id).where('claim_token', '=', row.claim_token);
}

async function recordDelivery(db: Db, row: ClaimedMail, rendered: RenderedMail, messageId: string, info: SentMessageInfo | null): Promise<Outcome> {
  const result = await updateOwnRow(db, row)
    .set({
      status: info ? 'sent' : 'captured',
      subject: rendered.subject,
      html_body: rendered.html,
      text_body: rendered.text,
      message_id: messageId,
      smtp_response: info && typeof info.response === 'string' ? info.response : null,
      locked_until: null,
      claim_token: null,
      last_error: null,
      sent_at: new Date(),
    })
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return 'superseded';
  return info ? 'sent' : 'captured';
}

async function recordFailure(db: Db, row: ClaimedMail, error: unknown): Promise<Outcome> {
  const message = error instanceof Error ? error.message : String(error);
  const giveUp = row.attempts >= maxAttempts;
  const result = await updateOwnRow(db, row)
    .set({
      status: giveUp ? 'failed' : 'pending',
      last_error: message.slice(0, 2000),
      smtp_response: (error as { response?: string }).response?.slice(0, 2000) ?? null,
      locked_until: null,
      claim_token: null,
      next_attempt_at: sql<Date>`now() + make_interval(secs => ${retryDelaySeconds(row.attempts)})`,
    })
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return 'superseded';
  return giveUp ? 'failed' : 'retrying';
}

async function deliverOne(db: Db, row: ClaimedMail, context: MailContext, options: DeliveryOptions, deadlineMs: number): Promise<Outcome> {
  const messageId = outboxMessageId(row, options.from);
  let rendered: RenderedMail;
  let info: SentMessageInfo | null = null;
  try {
    rendered = render(row, context);
    if (options.transport) info = await sendWithin(options.transport, outgoingMail(row, rendered, messageId, context, options.from), deadlineMs);
  } catch (error) {
    return recordFailure(db, row, error);
  }
  return recordDelivery(db, row, rendered, messageId, info);
}

/** Sends (or captures) every message that is due, one claim at a time, until none is left. */
export async function deliverDueMail(db: Db, options: DeliveryOptions): Promise<DeliveryResult> {
  const result: DeliveryResult = { sent: 0, captured: 0, retrying: 0, failed: 0 };
  const leaseSeconds = options.leaseSeconds ?? defaultLeaseSeconds;
  let context: MailContext | undefined;
  for (let row = await claimNextMail(db, leaseSeconds); row; row = await claimNextMail(db, leaseSeconds)) {
    context ??= await mailContext(db, options.baseUrl);
    const outcome = await deliverOne(db, row, context, options, sendDeadlineMs(leaseSeconds));
    if (outcome !== 'superseded') result[outcome] += 1;
  }
  return result;
}

/** Runs delivery in the background; overlapping nudges collapse into one more pass. */
export class MailDelivery {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly db: Db,
    private readonly options: DeliveryOptions,
    private readonly onError: (error: unknown) => void,
  ) {}

  nudge(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await deliverDueMail(this.db, this.options);
        } catch (error) {
          this.onError(error);
        }
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when the pass in progress (if any) has finished. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  close(): void {
    this.options.transport?.close();
  }
}
