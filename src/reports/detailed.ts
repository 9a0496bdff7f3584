import { sql, type CompiledQuery, type RawBuilder } from 'kysely';
import { DateTime } from 'luxon';
import type { Db, DbOrTx } from '../db/database.js';
import type { BusinessClock } from '../monitoring/business-time.js';
import { workingCalendar } from '../monitoring/working-calendar.js';
import { rowBatches } from './rows.js';
import { scopedItemIds, type ReportScope } from './scope.js';
import { columns, localTime, type ReportTable } from './table.js';

export const detailedColumns = columns(
  ['Item', 12],
  ['Order', 8],
  ['Customer', 24],
  ['Description', 32],
  ['Quantity', 9],
  ['Status', 22],
  ['In it since', 17],
  ['Working hours in it', 10],
  ['Due', 11],
  ['Machine', 18],
  ['Material', 18],
  ['Fulfillment', 12],
  ['Placed', 17],
  ['Finished', 17],
);

/**
 * Every item in the scope, by order number, with what the report shows already in text where the
 * database can make it (labels, local times): the app passes most cells through untouched.
 */
export function detailedQuery(db: DbOrTx, scope: ReportScope, timeZone: string) {
  return db
    .selectFrom('line_items')
    .innerJoin('orders', 'orders.id', 'line_items.order_id')
    .innerJoin('customers', 'customers.id', 'line_items.customer_id')
    .innerJoin('workflow_statuses', (join) => join.onRef('workflow_statuses.workflow', '=', 'line_items.workflow').onRef('workflow_statuses.key', '=', 'line_items.status'))
    .leftJoin('machines', 'machines.id', 'line_items.machine_id')
    .leftJoin('materials', 'materials.id', 'line_items.material_id')
    .select([
      sql<string>`line_items.order_number || ' · ' || line_items.position || '/' || orders.last_item_number`.as('item'),
      'line_items.order_number as orderNumber',
      'customers.name as customer',
      'line_items.description',
      'line_items.quantity',
      'workflow_statuses.label as status',
      'workflow_statuses.kind as statusKind',
      localTime('line_items.status_entered_at', timeZone).as('since'),
      sql<number>`extract(epoch from line_items.status_entered_at) * 1000`.as('sinceMs'),
      'line_items.due_date as due',
      'machines.name as machine',
      'materials.name as material',
      'line_items.fulfillment_method as fulfillment',
      localTime('line_items.created_at', timeZone).as('placed'),
    ])
    .where('line_items.id', 'in', scopedItemIds(db, scope))
    .orderBy('line_items.order_number')
    .orderBy('line_items.position');
}

type DetailedRow = [string, number, string, string, number, string, string, string, number, string | null, string | null, string | null, string, string];

/** The detailed report, read through a cursor thousands of rows at a time: memory stays flat at any size. */
export function detailedReport(db: Db, scope: ReportScope, clock: BusinessClock, now: Date): ReportTable {
  const nowMs = now.getTime();
  async function* batches() {
    for await (const rows of rowBatches(db, detailedQuery(db, scope, clock.calendar.timeZone))) {
      yield (rows as DetailedRow[]).map(([item, orderNumber, customer, description, quantity, status, kind, since, sinceMs, due, machine, material, fulfillment, placed]) => {
        const finished = kind === 'completed' || kind === 'cancelled';
        const working = finished ? null : Math.round(clock.between(Number(sinceMs), nowMs) / 36_000) / 100;
        return [item, orderNumber, customer, description, quantity, status, since, working, due, machine, material, fulfillment, placed, finished ? since : null];
      });
    }
  }
  return { sheetName: 'Items', columns: detailedColumns, batches: batches() };
}

/** Text a spreadsheet would run as a formula gets a leading apostrophe, in SQL (as csv.ts does in the app). */
export function spreadsheetSafeSql(text: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`case when ${text} ~ '^[-=+@\t\r]' then '''' || ${text} else ${text} end`;
}

/**
 * The detailed report as one query whose every column is the CSV's text, for PostgreSQL to write
 * with COPY: the same cells as detailedReport, the working hours from the shop's calendar passed
 * in as arrays (src/monitoring/working-calendar.ts).
 */
export async function detailedCsvQuery(db: DbOrTx, scope: ReportScope, clock: BusinessClock, now: Date): Promise<CompiledQuery> {
  const timeZone = clock.calendar.timeZone;
  const ids = scopedItemIds(db, scope);
  const { rows } = await sql<{ first: Date | null }>`
    select min(li.status_entered_at) as first from line_items li
      join workflow_statuses ws on ws.workflow = li.workflow and ws.key = li.status
     where li.id in (${ids}) and ws.kind in ('open', 'hold')`.execute(db);
  const first = rows[0]?.first;
  const today = DateTime.fromJSDate(now, { zone: timeZone }).toISODate()!;
  const calendar = first ? workingCalendar(clock, DateTime.fromJSDate(first, { zone: timeZone }).toISODate()!, today) : null;
  const worked = (epoch: RawBuilder<unknown>) =>
    calendar
      ? sql<number>`(select (${calendar.before}::float8[])[d] + least(greatest(${epoch} - (${calendar.opens}::float8[])[d], 0), (${calendar.closes}::float8[])[d] - (${calendar.opens}::float8[])[d])
                      from width_bucket(${epoch}, ${calendar.starts}::float8[]) as d)`
      : sql<number>`null::float8`;
  const nowEpoch = now.getTime() / 1000;
  const local = (column: RawBuilder<unknown>) => sql<string>`to_char(${column} at time zone ${timeZone}, 'YYYY-MM-DD HH24:MI')`;
  return sql`
    select li.order_number || ' · ' || li.position || '/' || o.last_item_number,
           li.order_number,
           ${spreadsheetSafeSql(sql`c.name`)},
           ${spreadsheetSafeSql(sql`li.description`)},
           li.quantity,
           ${spreadsheetSafeSql(sql`ws.label`)},
           ${local(sql`li.status_entered_at`)},
           case when ws.kind in ('open', 'hold') then round(((${worked(sql`${nowEpoch}::float8`)} - ${worked(sql`date_part('epoch', li.status_entered_at)`)}) / 3600)::numeric, 2) end,
           to_char(li.due_date, 'YYYY-MM-DD'),
           ${spreadsheetSafeSql(sql`m.name`)},
           ${spreadsheetSafeSql(sql`mat.name`)},
           li.fulfillment_method,
           ${local(sql`li.created_at`)},
           case when ws.kind in ('completed', 'cancelled') then ${local(sql`li.status_entered_at`)} end
      from line_items li
      join orders o on o.id = li.order_id
      join customers c on c.id = li.customer_id
      join workflow_statuses ws on ws.workflow = li.workflow and ws.key = li.status
      left join machines m on m.id = li.machine_id
      left join materials mat on mat.id = li.material_id
     where li.id in (${ids})
     order by li.order_number, li.position`.compile(db);
}
