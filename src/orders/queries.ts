import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import { ownCustomer, type RecordScope } from '../visibility/scope.js';
import { isUnfinished, lineItems } from '../line-items/queries.js';
import { lastChangedBy } from './history.js';
import { baseOf, type OrderForm } from './order-form.js';
import { likeLiteral } from '../db/like.js';
import { compiledOnce } from '../db/compiled.js';

/** An order as pages show it: its own columns and the names of its customer and salesperson. */
function orders(db: DbOrTx) {
  return db
    .selectFrom('orders')
    .innerJoin('customers', 'customers.id', 'orders.customer_id')
    .leftJoin('users as salesperson', 'salesperson.id', 'orders.salesperson_id')
    .select([
      'orders.id',
      'orders.number',
      'orders.due_date as dueDate',
      'orders.notes',
      'orders.total',
      'orders.item_count as itemCount',
      'orders.last_item_number as lastItemNumber',
      'orders.customer_emails_muted as muted',
      'orders.version',
      'orders.status',
      'orders.status_entered_at as statusEnteredAt',
      'orders.review_round as reviewRound',
      'orders.copied_from_id as copiedFromId',
      'orders.created_at as createdAt',
      'customers.id as customerId',
      'customers.name as customerName',
      'customers.company as customerCompany',
      'salesperson.name as salespersonName',
    ]);
}

/** An order with what its own page shows of its customer and of the order it was copied from. */
export function orderDetail(db: DbOrTx) {
  return orders(db).select([
      'customers.email as customerEmail',
      'customers.email_updates as customerWantsEmail',
      'customers.phone as customerPhone',
    sql<number | null>`(select source.number from orders source where source.id = orders.copied_from_id)`.as('copiedFromNumber'),
  ]);
}

export async function findOrder(db: DbOrTx, orderId: number) {
  return orderDetail(db).where('orders.id', '=', orderId).executeTakeFirst();
}

const orderItemRows = compiledOnce((db: DbOrTx, orderId: number) =>
  lineItems(db)
    .select(['line_items.planned_start as plannedStart', 'line_items.planned_end as plannedEnd'])
    .where('line_items.order_id', '=', orderId)
    .orderBy('line_items.position'),
);

export async function orderItems(db: DbOrTx, orderId: number) {
  return orderItemRows(db, orderId);
}

export const orderListSize = 50;

/** Newest orders first, searched by number or customer, keyset-paginated on the number. */
export async function listOrders(db: DbOrTx, filter: { text?: string; beforeNumber?: number; statuses?: readonly string[]; leaveOut?: readonly string[] }, scope: RecordScope = null) {
  const text = filter.text === undefined ? undefined : likeLiteral(filter.text);
  const rows = await orders(db)
    .select((eb) => [
      eb
        .selectFrom('line_items')
        .select((inner) => inner.fn.countAll<number>().as('n'))
        .whereRef('line_items.order_id', '=', 'orders.id')
        .where(isUnfinished)
        .as('openItems'),
    ])
    .$if(text !== undefined, (q) =>
      q.where((eb) =>
        eb.or([
          eb(eb.cast('orders.number', 'text'), 'like', `${text}%`),
          eb(eb.fn('lower', ['customers.name']), 'like', `%${text}%`),
          eb(eb.fn('lower', ['customers.company']), 'like', `%${text}%`),
        ]),
      ),
    )
    .$if(filter.statuses !== undefined, (q) => q.where('orders.status', 'in', filter.statuses!.length > 0 ? [...filter.statuses!] : ['']))
    .$if(filter.leaveOut !== undefined && filter.leaveOut.length > 0, (q) => q.where('orders.status', 'not in', [...filter.leaveOut!]))
    .$if(filter.beforeNumber !== undefined, (q) => q.where('orders.number', '<', filter.beforeNumber!))
    .$if(scope !== null, (q) => q.where((eb) => ownCustomer(eb.ref('orders.customer_id'), scope!)))
    .orderBy('orders.number', 'desc')
    // A literal, not a parameter: with an unknown LIMIT the prepared statement's generic plan
    // looked dearer than a fresh one, so PostgreSQL planned the query again on every page (2.4 ms of it).
    .limit(sql.lit(orderListSize + 1))
    .execute();
  const page = rows.slice(0, orderListSize);
  return { orders: page, nextBefore: rows.length > orderListSize ? page.at(-1)!.number : undefined };
}

/** What the order form offers to choose from. */
export async function orderFormChoices(db: DbOrTx, scope: RecordScope = null) {
  const [customers, people, machines, materials] = await Promise.all([
    db
      .selectFrom('customers')
      .select(['id', 'name', 'company'])
      .$if(scope !== null, (q) => q.where('salesperson_id', '=', scope!.salespersonId))
      .orderBy('name')
      .execute(),
    db
      .selectFrom('users')
      .select(['users.id', 'users.name', (eb) => eb.exists(eb.selectFrom('user_roles').select('role').whereRef('user_roles.user_id', '=', 'users.id').where('role', '=', 'sales')).as('isSales')])
      .where('active', '=', true)
      .orderBy('name')
      .execute(),
    db.selectFrom('machines').select(['id', 'name']).where('active', '=', true).orderBy('name').execute(),
    db.selectFrom('materials').select(['id', 'name']).where('active', '=', true).orderBy('name').execute(),
  ]);
  return { customers, people, salespeople: people.filter((p) => p.isSales), machines, materials };
}

/** The order as saved, in the order form's terms, with who saved it last and when. */
export async function savedOrderForm(db: DbOrTx, orderId: number): Promise<{ form: OrderForm; savedBy: string | null; savedAt: Date }> {
  const [order, items] = await Promise.all([
    db
      .selectFrom('orders')
      .select(['customer_id', 'salesperson_id', 'due_date', 'notes', 'version', 'customer_emails_muted', 'updated_at'])
      .where('id', '=', orderId)
      .executeTakeFirstOrThrow(),
    db.selectFrom('line_items').selectAll().where('order_id', '=', orderId).orderBy('position').execute(),
  ]);
  const lastEdit = await lastChangedBy(db, orderId);
  const optional = (id: number | null) => (id === null ? '' : String(id));
  const form: OrderForm = {
    customerId: String(order.customer_id),
    salespersonId: optional(order.salesperson_id),
    dueDate: order.due_date ?? '',
    notes: order.notes,
    version: String(order.version),
    muted: order.customer_emails_muted,
    confirmRemoval: false,
    items: items.map((item) => ({
      itemId: String(item.id),
      number: String(item.position),
      description: item.description,
      quantity: String(item.quantity),
      unitPrice: String(item.unit_price),
      machineId: optional(item.machine_id),
      materialId: optional(item.material_id),
      fulfillmentMethod: item.fulfillment_method,
      dueDate: item.due_date ?? '',
      assigneeId: optional(item.assignee_id),
      notes: item.notes,
      expectedHours: item.expected_work_minutes ? String(Math.round((item.expected_work_minutes / 60) * 100) / 100) : '',
    })),
  };
  form.base = baseOf(form);
  return { form, savedBy: lastEdit, savedAt: order.updated_at };
}
