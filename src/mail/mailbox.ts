import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { OutboxStatus } from '../db/types.js';
import { recordEvent, type Actor } from '../events/record.js';
import { HttpError } from '../platform/errors.js';

export const outboxStatuses: OutboxStatus[] = ['pending', 'sending', 'sent', 'captured', 'failed'];
export const mailboxPageSize = 50;

export function isOutboxStatus(value: string): value is OutboxStatus {
  return (outboxStatuses as string[]).includes(value);
}

/** Newest first, keyset-paginated on id. */
export async function listMail(db: Db, filter: { status?: OutboxStatus; beforeId?: number }) {
  const rows = await db
    .selectFrom('outbox')
    .select(['id', 'template', 'to_address', 'subject', 'status', 'attempts', 'created_at', 'sent_at', 'last_error', 'next_attempt_at'])
    .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status!))
    .$if(filter.beforeId !== undefined, (q) => q.where('id', '<', filter.beforeId!))
    .orderBy('id', 'desc')
    .limit(mailboxPageSize + 1)
    .execute();
  const hasMore = rows.length > mailboxPageSize;
  const page = rows.slice(0, mailboxPageSize);
  return { messages: page, nextBeforeId: hasMore ? page.at(-1)!.id : undefined };
}

export async function findMail(db: Db, id: number) {
  return db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Puts a failed message back in the queue for another round of attempts. */
export async function retryMail(db: Db, actor: Actor, id: number): Promise<void> {
  await inTransaction(db, async (tx) => {
    const result = await tx
      .updateTable('outbox')
      .set({ status: 'pending', attempts: 0, next_attempt_at: sql<Date>`now()`, last_error: null })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new HttpError(409, 'Only failed messages can be retried; this one is not failed (any more).');
    await recordEvent(tx, actor, { subjectType: 'outbox', subjectId: id, action: 'retry-requested' });
  });
}
