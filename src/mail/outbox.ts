import type { DbOrTx } from '../db/database.js';
import type { MailData, MailTemplateName } from './templates.js';

export interface OutgoingMail<Name extends MailTemplateName> {
  template: Name;
  to: string;
  data: MailData<Name>;
  /** The same key twice (a double click, a retried request) queues one email. */
  idempotencyKey: string;
}

/** Queues an email in the caller's transaction; it is sent only if that transaction commits. */
export async function enqueueMail<Name extends MailTemplateName>(db: DbOrTx, mail: OutgoingMail<Name>): Promise<boolean> {
  const result = await db
    .insertInto('outbox')
    .values({
      idempotency_key: mail.idempotencyKey,
      template: mail.template,
      to_address: mail.to,
      data: JSON.stringify(mail.data),
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}
