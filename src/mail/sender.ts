import nodemailer, { type Transporter } from 'nodemailer';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { OutboxRow } from '../db/types.js';
import { isMailTemplateName, renderMail, type MailContext } from './templates.js';

export const maxAttempts = 8;
const claimLeaseSeconds = 120;

/** 30 s, 1 min, 2 min, ... capped at one hour. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(30 * 2 ** Math.max(attempts - 1, 0), 3600);
}

export function createTransport(smtpUrl: string): Transporter {
  return nodemailer.createTransport(smtpUrl);
}

export interface DeliveryOptions {
  /** null: no SMTP_URL, messages are rendered and kept for the admin Mailbox. */
  transport: Transporter | null;
  from: string;
  baseUrl: string;
  batchSize?: number;
}

export interface DeliveryResult {
  sent: number;
  captured: number;
  retrying: number;
  failed: number;
}

/**
 * Claims due messages with FOR UPDATE SKIP LOCKED and marks them 'sending' under a lease in
 * the same statement, so two app instances never pick the same row. A row whose sender died
 * mid-send is picked up again once its lease runs out.
 */
export async function claimDueMail(db: Db, batchSize: number): Promise<OutboxRow[]> {
  const result = await sql<OutboxRow>`
    update outbox
       set status = 'sending',
           attempts = attempts + 1,
           locked_until = now() + make_interval(secs => ${claimLeaseSeconds})
     where id in (
       select id from outbox
        where (status = 'pending' and next_attempt_at <= now())
           or (status = 'sending' and locked_until < now())
        order by next_attempt_at, id
        limit ${batchSize}
        for update skip locked)
    returning *`.execute(db);
  return result.rows;
}

async function mailContext(db: Db, baseUrl: string): Promise<MailContext> {
  const settings = await db.selectFrom('shop_settings').select(['shop_name', 'reply_to_email']).executeTakeFirst();
  return { shopName: settings?.shop_name ?? 'Traveler', baseUrl, ...(settings?.reply_to_email ? { replyTo: settings.reply_to_email } : {}) };
}

async function deliverOne(db: Db, row: OutboxRow, context: MailContext, options: DeliveryOptions): Promise<keyof DeliveryResult> {
  try {
    if (!isMailTemplateName(row.template)) throw new Error(`Unknown mail template "${row.template}".`);
    const rendered = renderMail(row.template, row.data, context);
    if (!options.transport) {
      await db
        .updateTable('outbox')
        .set({ status: 'captured', subject: rendered.subject, html_body: rendered.html, text_body: rendered.text, locked_until: null, last_error: null, sent_at: new Date() })
        .where('id', '=', row.id)
        .execute();
      return 'captured';
    }
    const info = await options.transport.sendMail({
      from: options.from,
      to: row.to_address,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      ...(context.replyTo ? { replyTo: context.replyTo } : {}),
      headers: { 'X-Traveler-Message': String(row.id) },
    });
    await db
      .updateTable('outbox')
      .set({
        status: 'sent',
        subject: rendered.subject,
        html_body: rendered.html,
        text_body: rendered.text,
        message_id: info.messageId ?? null,
        smtp_response: typeof info.response === 'string' ? info.response : null,
        locked_until: null,
        last_error: null,
        sent_at: new Date(),
      })
      .where('id', '=', row.id)
      .execute();
    return 'sent';
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const giveUp = row.attempts >= maxAttempts;
    await db
      .updateTable('outbox')
      .set({
        status: giveUp ? 'failed' : 'pending',
        last_error: message.slice(0, 2000),
        smtp_response: (error as { response?: string }).response?.slice(0, 2000) ?? null,
        locked_until: null,
        next_attempt_at: sql<Date>`now() + make_interval(secs => ${retryDelaySeconds(row.attempts)})`,
      })
      .where('id', '=', row.id)
      .execute();
    return giveUp ? 'failed' : 'retrying';
  }
}

/** Sends (or captures) every message that is due, batch by batch, until none is left. */
export async function deliverDueMail(db: Db, options: DeliveryOptions): Promise<DeliveryResult> {
  const result: DeliveryResult = { sent: 0, captured: 0, retrying: 0, failed: 0 };
  const batchSize = options.batchSize ?? 20;
  let context: MailContext | undefined;
  for (;;) {
    const batch = await claimDueMail(db, batchSize);
    if (batch.length === 0) return result;
    context ??= await mailContext(db, options.baseUrl);
    for (const row of batch) result[await deliverOne(db, row, context, options)] += 1;
    if (batch.length < batchSize) return result;
  }
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
