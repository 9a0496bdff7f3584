import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { recordEvent, type Actor } from '../events/record.js';
import { ConflictError, HttpError, ValidationError } from '../platform/errors.js';
import { formSpec, type FormValues } from '../platform/form-spec.js';
import { likeLiteral } from '../db/like.js';
import type { RecordScope } from '../visibility/scope.js';

/** The customer form: its fields, their limits and messages, in one place. */
export const customerForm = formSpec({
  name: { kind: 'text', label: 'Name', max: 200, required: 'Enter the customer’s name.', autocomplete: 'off' },
  company: { kind: 'text', label: 'Company', max: 200 },
  email: { kind: 'email', label: 'Email', max: 200, hint: 'Where order updates go, if the customer wants them.' },
  phone: { kind: 'tel', label: 'Phone', max: 50 },
  address: { kind: 'textarea', label: 'Address', max: 1000 },
  emailUpdates: { kind: 'checkbox', label: 'Email me about my orders (the customer’s choice)' },
  salespersonId: {
    kind: 'reference',
    label: 'Salesperson',
    placeholder: 'Nobody in particular',
    invalid: 'Choose a salesperson from the list.',
    hint: 'Whose customer this is. When sales staff see only their own customers (Admin → Settings), only this person and staff in other roles see them.',
  },
});

export type CustomerInput = FormValues<typeof customerForm.fields>;

/** A customer as pages show it. */
function customers(db: DbOrTx) {
  return db
    .selectFrom('customers')
    .select(['id', 'name', 'company', 'email', 'phone', 'address', 'email_updates as emailUpdates', 'version', sql<string>`coalesce(salesperson_id::text, '')`.as('salespersonId')]);
}

export async function findCustomer(db: DbOrTx, customerId: number) {
  return customers(db).where('id', '=', customerId).executeTakeFirst();
}

/** Customers by name, those matching `text` in their name, company or email (only their own, for a salesperson kept to them). */
export async function listCustomers(db: DbOrTx, text: string, scope: RecordScope = null) {
  const like = `%${likeLiteral(text)}%`;
  return customers(db)
    .select(sql<string | null>`(select u.name from users u where u.id = customers.salesperson_id)`.as('salesperson'))
    .$if(scope !== null, (q) => q.where('salesperson_id', '=', scope!.salespersonId))
    .$if(text !== '', (q) => q.where((eb) => eb.or([eb(sql`lower(name)`, 'like', like), eb(sql`lower(company)`, 'like', like), eb(sql`lower(email)`, 'like', like)])))
    .orderBy(sql`lower(name)`)
    .limit(200)
    .execute();
}

function customerColumns(input: CustomerInput) {
  return { name: input.name, company: input.company, email: input.email, phone: input.phone, address: input.address, email_updates: input.emailUpdates, salesperson_id: input.salespersonId === '' ? null : Number(input.salespersonId) };
}

/** The people a customer can belong to: active sales staff (and whoever it belongs to now). */
export async function salespeople(db: DbOrTx, keep?: string) {
  return db
    .selectFrom('users')
    .select(['users.id', 'users.name'])
    .where((eb) =>
      eb.or([
        eb.and([eb('users.active', '=', true), eb.exists(eb.selectFrom('user_roles').select('role').whereRef('user_roles.user_id', '=', 'users.id').where('role', '=', 'sales'))]),
        ...(keep && /^[1-9]\d{0,8}$/.test(keep) ? [eb('users.id', '=', Number(keep))] : []),
      ]),
    )
    .orderBy('users.name')
    .execute();
}

async function checkedSalesperson(db: DbOrTx, input: CustomerInput, current?: string) {
  if (input.salespersonId === '' || input.salespersonId === current) return;
  const choices = await salespeople(db);
  if (!choices.some((person) => String(person.id) === input.salespersonId)) throw new ValidationError({ salespersonId: 'Choose a salesperson from the list.' });
}

export async function createCustomer(db: DbOrTx, actor: Actor, input: CustomerInput): Promise<number> {
  const errors = customerForm.validate(input);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  await checkedSalesperson(db, input);
  const row = await db
    .insertInto('customers')
    .values({ ...customerColumns(input), updated_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordEvent(db, actor, { subjectType: 'customer', subjectId: row.id, action: 'created', particulars: { name: input.name } });
  return row.id;
}

export async function updateCustomer(db: Db, actor: Actor, customerId: number, input: CustomerInput & { version: number }): Promise<void> {
  const errors = customerForm.validate(input);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  await inTransaction(db, async (tx) => {
    const before = await tx.selectFrom('customers').select(sql<string>`coalesce(salesperson_id::text, '')`.as('salespersonId')).where('id', '=', customerId).executeTakeFirst();
    await checkedSalesperson(tx, input, before?.salespersonId);
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
    await recordEvent(tx, actor, { subjectType: 'customer', subjectId: customerId, action: 'updated', particulars: { name: input.name, emailUpdates: input.emailUpdates, salespersonId: input.salespersonId } });
  });
}
