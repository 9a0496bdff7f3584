import { sql, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import type { Database } from '../db/types.js';
import { lineItems } from '../line-items/queries.js';
import type { FieldErrors } from '../platform/errors.js';
import { isCalendarDate, isCanonicalId, Text } from '../platform/schemas.js';
import { likeLiteral } from '../db/like.js';
import { ownCustomer } from '../visibility/scope.js';

export const queuePageSize = 50;
export const queueSorts = ['due', 'order', 'age'] as const;
export type QueueSort = (typeof queueSorts)[number];

/** The query-string fields a queue's filter reads (parseQueueFilter), for route schemas. */
export const queueFilterFields = {
  machine: Text(30),
  material: Text(30),
  customer: Text(30),
  assignee: Text(30),
  due_from: Text(30),
  due_to: Text(30),
  overdue: Text(10),
  q: Text(1000),
  sort: Text(20),
};

export interface QueueFilter {
  machineId?: number;
  materialId?: number;
  customerId?: number;
  assigneeId?: number;
  dueFrom?: string;
  dueTo?: string;
  overdue?: boolean;
  text?: string;
  sort: QueueSort;
  after?: string;
  /** Only the customers this salesperson owns (src/visibility): set by the server, never by the link. */
  salespersonId?: number;
}

function idParam(value: unknown): number | undefined | null {
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' && isCanonicalId(value) ? Number(value) : null;
}

/** Reads a queue's filters from the query string; unusable values are reported, not guessed. */
export function parseQueueFilter(query: Record<string, unknown>): { filter: QueueFilter; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const filter: QueueFilter = { sort: 'due' };
  for (const [param, key] of [['machine', 'machineId'], ['material', 'materialId'], ['customer', 'customerId'], ['assignee', 'assigneeId']] as const) {
    const id = idParam(query[param]);
    if (id === null) errors[param] = param === 'customer' ? 'That customer link is damaged.' : 'Choose from the list.';
    else if (id !== undefined) filter[key] = id;
  }
  for (const [param, key] of [['due_from', 'dueFrom'], ['due_to', 'dueTo']] as const) {
    const value = query[param];
    if (value === undefined || value === '') continue;
    if (typeof value === 'string' && isCalendarDate(value)) filter[key] = value;
    else errors[param] = 'Enter a date like 2026-12-31.';
  }
  if (filter.dueFrom && filter.dueTo && filter.dueFrom > filter.dueTo) errors.due_to = 'The end date is before the start date.';
  if (query.overdue === '1' || query.overdue === 'on') filter.overdue = true;
  if (typeof query.q === 'string' && query.q.trim() !== '') filter.text = query.q.trim().slice(0, 100);
  if (typeof query.sort === 'string') {
    if ((queueSorts as readonly string[]).includes(query.sort)) filter.sort = query.sort as QueueSort;
    else errors.sort = 'Sort by due date, order or time in status.';
  }
  if (typeof query.after === 'string' && query.after !== '' && query.after.length <= 200) filter.after = query.after;
  return { filter, errors };
}

/** The filter as query-string pairs, for links that keep it (pagination, saved views). */
export function filterParams(filter: QueueFilter, overrides: { after?: string | undefined } = {}): URLSearchParams {
  const params = new URLSearchParams();
  if (filter.machineId) params.set('machine', String(filter.machineId));
  if (filter.materialId) params.set('material', String(filter.materialId));
  if (filter.customerId) params.set('customer', String(filter.customerId));
  if (filter.assigneeId) params.set('assignee', String(filter.assigneeId));
  if (filter.dueFrom) params.set('due_from', filter.dueFrom);
  if (filter.dueTo) params.set('due_to', filter.dueTo);
  if (filter.overdue) params.set('overdue', '1');
  if (filter.text) params.set('q', filter.text);
  if (filter.sort !== 'due') params.set('sort', filter.sort);
  const after = 'after' in overrides ? overrides.after : filter.after;
  if (after) params.set('after', after);
  return params;
}

/** A queue page's row: the line item as pages show it, with what a queue adds. */
export type QueueRow = Awaited<ReturnType<typeof readQueueRows>>[number];

type Cursor = [string | null, number] | [number, number] | [string, number];

function encodeCursor(sort: QueueSort, row: QueueRow): string {
  const key: Cursor =
    sort === 'due' ? [row.dueDate, row.id] : sort === 'order' ? [row.orderNumber, row.position] : [row.enteredKey, row.id];
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

const int4Max = 2_147_483_647;
const isRowNumber = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0 && (value as number) <= int4Max;
/** status_entered_at as PostgreSQL writes timestamptz::text, e.g. "2026-11-22 14:03:07.123456+00". */
const enteredKeyPattern = /^(\d{4}-\d{2}-\d{2}) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?[+-](0\d|1[0-5])(:[0-5]\d)?$/;

/**
 * The position a "next page" link carries. Anyone can edit a link, so every part is checked to
 * be what PostgreSQL will accept for its column; anything else starts from the top.
 */
function decodeCursor(sort: QueueSort, cursor: string): Cursor | undefined {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(key) || key.length !== 2 || !isRowNumber(key[1])) return undefined;
  const [position] = key as unknown[];
  if (sort === 'due' && (position === null || (typeof position === 'string' && isCalendarDate(position)))) return key as Cursor;
  if (sort === 'order' && isRowNumber(position)) return key as Cursor;
  if (sort === 'age' && typeof position === 'string') {
    const day = enteredKeyPattern.exec(position)?.[1];
    if (day && isCalendarDate(day)) return key as Cursor;
  }
  return undefined;
}


type LineItemsEb = ExpressionBuilder<Database, 'line_items'>;

function afterCursor(sort: QueueSort, cursor: Cursor) {
  return (eb: LineItemsEb) => {
    if (sort === 'order') return eb(sql`(line_items.order_number, line_items.position)`, '>', sql`(${cursor[0]}::int, ${cursor[1]}::int)`);
    if (sort === 'age') return eb(sql`(line_items.status_entered_at, line_items.id)`, '>', sql`(${cursor[0]}::timestamptz, ${cursor[1]}::int)`);
    const [due, id] = cursor as [string | null, number];
    // due_date ascending with the undated last, then id.
    if (due === null) return eb.and([eb('line_items.due_date', 'is', null), eb('line_items.id', '>', id)]);
    return eb.or([
      eb('line_items.due_date', '>', due),
      eb.and([eb('line_items.due_date', '=', due), eb('line_items.id', '>', id)]),
      eb('line_items.due_date', 'is', null),
    ]);
  };
}

/** The line items in these statuses that the filter matches (no sort, no cursor): pages and batches start here. */
export function itemsMatching(db: DbOrTx, statuses: readonly string[], filter: QueueFilter, today: string) {
  return db
    .selectFrom('line_items')
    .where('line_items.status', 'in', statuses)
    .$if(filter.machineId !== undefined, (q) => q.where('line_items.machine_id', '=', filter.machineId!))
    .$if(filter.materialId !== undefined, (q) => q.where('line_items.material_id', '=', filter.materialId!))
    .$if(filter.customerId !== undefined, (q) => q.where('line_items.customer_id', '=', filter.customerId!))
    .$if(filter.salespersonId !== undefined, (q) => q.where((eb) => ownCustomer(eb.ref('line_items.customer_id'), { salespersonId: filter.salespersonId! })))
    .$if(filter.assigneeId !== undefined, (q) => q.where('line_items.assignee_id', '=', filter.assigneeId!))
    .$if(filter.dueFrom !== undefined, (q) => q.where('line_items.due_date', '>=', filter.dueFrom!))
    .$if(filter.dueTo !== undefined, (q) => q.where('line_items.due_date', '<=', filter.dueTo!))
    .$if(filter.overdue === true, (q) => q.where('line_items.due_date', '<', today))
    .$if(filter.text !== undefined, (q) => q.where(sql<SqlBool>`line_items.search_text like ${`%${likeLiteral(filter.text!)}%`}`));
}

export interface QueuePage {
  rows: QueueRow[];
  nextCursor: string | undefined;
}

/**
 * One page of a queue: only its statuses' items, filtered, sorted, 50 rows after the cursor.
 * The 51 rows are chosen from line_items alone (one index), then the line items as pages show
 * them are read for just those rows: planning a six-table join over a table with eight indexes
 * cost more than running it.
 */
export async function queuePage(db: DbOrTx, statuses: readonly string[], filter: QueueFilter, today: string): Promise<QueuePage> {
  if (statuses.length === 0) return { rows: [], nextCursor: undefined };
  const cursor = filter.after ? decodeCursor(filter.sort, filter.after) : undefined;
  let page = itemsMatching(db, statuses, filter, today)
    .select(['line_items.id', 'line_items.order_number', 'line_items.position', 'line_items.due_date', 'line_items.status_entered_at'])
    .$if(cursor !== undefined, (q) => q.where(afterCursor(filter.sort, cursor!)));
  page =
    filter.sort === 'order'
      ? page.orderBy('line_items.order_number').orderBy('line_items.position')
      : filter.sort === 'age'
        ? page.orderBy('line_items.status_entered_at').orderBy('line_items.id')
        : page.orderBy(sql`line_items.due_date asc nulls last`).orderBy('line_items.id');

  const rows = await readQueueRows(db, page.limit(sql.lit(queuePageSize + 1)), filter.sort);
  const pageRows = rows.slice(0, queuePageSize);
  return { rows: pageRows, nextCursor: rows.length > queuePageSize ? encodeCursor(filter.sort, pageRows.at(-1)!) : undefined };
}

type ChosenPage = SelectQueryBuilder<Database, 'line_items', { id: number; order_number: number; position: number; due_date: string | null; status_entered_at: Date }>;

/** The chosen rows as the queue shows them, in the order they were chosen in. */
async function readQueueRows(db: DbOrTx, chosen: ChosenPage, sort: QueueSort) {
  // A subquery with a LIMIT is never merged into the outer query: the 51 rows are chosen first.
  // The limit is a literal in `chosen`, not a parameter: a prepared statement's generic plan must know it wants 51 rows.
  const rows = lineItems(db)
    .innerJoin(chosen.as('page'), 'page.id', 'line_items.id')
    .innerJoin('orders', 'orders.id', 'line_items.order_id')
    .select([
      'orders.last_item_number as itemCount',
      // Looked up per row: joined, PostgreSQL hashed all customers to find fifty (0.4 ms of 0.9).
      (eb) => eb.selectFrom('customers').select('customers.name').whereRef('customers.id', '=', 'line_items.customer_id').$asScalar().as('customerName'),
      (eb) => eb.selectFrom('customers').select('customers.company').whereRef('customers.id', '=', 'line_items.customer_id').$asScalar().as('customerCompany'),
      /** status_entered_at to the microsecond, as PostgreSQL wrote it: a Date would round it. */
      sql<string>`line_items.status_entered_at::text`.as('enteredKey'),
      sql<number>`(select coalesce(round(sum(extract(epoch from coalesce(w.ended_at, now()) - w.started_at)) / 60), 0)::int from work_logs w where w.line_item_id = line_items.id)`.as('workedMinutes'),
    ]);
  // The same order again: a join need not keep the order the rows were chosen in.
  return (sort === 'order'
    ? rows.orderBy('page.order_number').orderBy('page.position')
    : sort === 'age'
      ? rows.orderBy('page.status_entered_at').orderBy('page.id')
      : rows.orderBy(sql`page.due_date asc nulls last`).orderBy('page.id')
  ).execute();
}
