import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { recordEvent, type Actor } from '../events/record.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { emailPattern } from '../platform/forms.js';

export interface CustomerInput {
  name: string;
  company: string;
  email: string;
  phone: string;
  address: string;
  emailUpdates: boolean;
}

export function validateCustomer(input: CustomerInput): FieldErrors {
  const errors: FieldErrors = {};
  if (input.name === '') errors.name = 'Enter the customer’s name.';
  else if (input.name.length > 200) errors.name = 'Use at most 200 characters.';
  if (input.email !== '' && !emailPattern.test(input.email)) errors.email = 'Enter an email address like name@example.com, or leave it empty.';
  if (input.company.length > 200) errors.company = 'Use at most 200 characters.';
  if (input.phone.length > 50) errors.phone = 'Use at most 50 characters.';
  if (input.address.length > 1000) errors.address = 'Use at most 1000 characters.';
  return errors;
}

function customerColumns(input: CustomerInput) {
  return { name: input.name, company: input.company, email: input.email, phone: input.phone, address: input.address, email_updates: input.emailUpdates };
}

export async function createCustomer(db: DbOrTx, actor: Actor, input: CustomerInput): Promise<number> {
  const errors = validateCustomer(input);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  const row = await db
    .insertInto('customers')
    .values({ ...customerColumns(input), updated_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordEvent(db, actor, { subjectType: 'customer', subjectId: row.id, action: 'created', particulars: { name: input.name } });
  return row.id;
}

export async function updateCustomer(db: Db, actor: Actor, customerId: number, input: CustomerInput & { version: number }): Promise<void> {
  const errors = validateCustomer(input);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  await inTransaction(db, async (tx) => {
    const result = await tx
      .updateTable('customers')
      .set({ ...customerColumns(input), version: sql<number>`version + 1`, updated_at: sql<Date>`now()` })
      .where('id', '=', customerId)
      .where('version', '=', input.version)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      const exists = await tx.selectFrom('customers').select('id').where('id', '=', customerId).executeTakeFirst();
      if (!exists) throw new HttpError(404);
      throw new ConflictError('This customer was changed by someone else while you were editing. Their version is shown below; press Save again to replace it with yours.');
    }
    // The queue's free-text filter matches customer names and companies: keep the items' copy
    // current (spelled as searchTextFor in src/orders/orders.ts spells it).
    await tx
      .updateTable('line_items')
      .set({ search_text: sql<string>`lower(concat_ws(' ', order_number, ${input.name}::text, nullif(${input.company}::text, ''), description))` })
      .where('customer_id', '=', customerId)
      .execute();
    await recordEvent(tx, actor, { subjectType: 'customer', subjectId: customerId, action: 'updated', particulars: { name: input.name, emailUpdates: input.emailUpdates } });
  });
}
