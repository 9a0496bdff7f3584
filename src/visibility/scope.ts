import { sql, type Expression, type SqlBool } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import type { CurrentUser } from '../platform/auth.js';
import { can } from '../platform/permissions.js';

/** Whose records a person sees: everyone's (null), or only the customers a salesperson owns. */
export type RecordScope = { salespersonId: number } | null;

/**
 * Sales staff see only their own customers when the shop says so; a person acting in any other
 * role that sees orders (admin, accounting, QA, the floor) sees them all.
 */
export function scopeOf(user: CurrentUser, salesSeeAllCustomers: boolean): RecordScope {
  if (salesSeeAllCustomers) return null;
  const seesOrdersOtherwise = user.roles.some((role) => role !== 'sales' && can([role], 'orders:view'));
  return user.roles.includes('sales') && !seesOrdersOtherwise ? { salespersonId: user.id } : null;
}

/** Whether a person may see prices, totals, payments, invoices and price sheets. */
export const seesMoney = (roles: readonly string[]) => can(roles, 'money:view');

/** A customer id column (line_items.customer_id, orders.customer_id) within the scope. */
export function ownCustomer(customerId: Expression<number | null>, scope: NonNullable<RecordScope>): Expression<SqlBool> {
  return sql<SqlBool>`${customerId} in (select c.id from customers c where c.salesperson_id = ${scope.salespersonId})`;
}

async function found(query: Promise<unknown>): Promise<boolean> {
  return (await query) !== undefined;
}

/** Is this record within the scope (and does it exist)? One indexed lookup each. */
export const visible = {
  customer: (db: DbOrTx, scope: NonNullable<RecordScope>, id: number) =>
    found(db.selectFrom('customers').select('id').where('id', '=', id).where('salesperson_id', '=', scope.salespersonId).executeTakeFirst()),
  order: (db: DbOrTx, scope: NonNullable<RecordScope>, id: number) =>
    found(db.selectFrom('orders').select('id').where('id', '=', id).where((eb) => ownCustomer(eb.ref('orders.customer_id'), scope)).executeTakeFirst()),
  item: (db: DbOrTx, scope: NonNullable<RecordScope>, id: number) =>
    found(db.selectFrom('line_items').select('id').where('id', '=', id).where((eb) => ownCustomer(eb.ref('line_items.customer_id'), scope)).executeTakeFirst()),
  photo: (db: DbOrTx, scope: NonNullable<RecordScope>, id: number) =>
    found(
      db
        .selectFrom('item_photos')
        .innerJoin('line_items', 'line_items.id', 'item_photos.line_item_id')
        .select('item_photos.id')
        .where('item_photos.id', '=', id)
        .where((eb) => ownCustomer(eb.ref('line_items.customer_id'), scope))
        .executeTakeFirst(),
    ),
  document: (db: DbOrTx, scope: NonNullable<RecordScope>, id: number) =>
    found(
      db
        .selectFrom('documents')
        .leftJoin('orders', (join) => join.onRef('orders.id', '=', 'documents.owner_id').on('documents.owner_type', '=', 'order'))
        .leftJoin('line_items', (join) => join.onRef('line_items.id', '=', 'documents.owner_id').on('documents.owner_type', '=', 'line_item'))
        .select('documents.id')
        .where('documents.id', '=', id)
        .where((eb) => ownCustomer(eb.fn.coalesce('orders.customer_id', 'line_items.customer_id'), scope))
        .executeTakeFirst(),
    ),
  /** A batch whose every item is theirs: a batch mixing customers is not shown to a salesperson kept to their own. */
  batch: async (db: DbOrTx, scope: NonNullable<RecordScope>, id: number) => {
    const row = await db
      .selectFrom('batches')
      .select(['batches.id', sql<boolean>`exists (select 1 from batch_items bi join line_items li on li.id = bi.line_item_id where bi.batch_id = batches.id and not ${ownCustomer(sql.ref('li.customer_id'), scope)})`.as('foreign')])
      .where('batches.id', '=', id)
      .executeTakeFirst();
    return row !== undefined && !row.foreign;
  },
};

/** Documents that show money: only for those who see prices. */
export async function documentShowsMoney(db: DbOrTx, id: number): Promise<boolean> {
  const row = await db.selectFrom('documents').select('kind').where('id', '=', id).executeTakeFirst();
  return row?.kind === 'price-sheet' || row?.kind === 'invoice';
}
