import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import type { BusinessClock } from '../monitoring/business-time.js';
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

/** The detailed report, read through a cursor a thousand rows at a time: memory stays flat at any size. */
export function detailedReport(db: DbOrTx, scope: ReportScope, clock: BusinessClock, now: Date): ReportTable {
  const rows = detailedQuery(db, scope, clock.calendar.timeZone).stream(1000);
  const nowMs = now.getTime();
  async function* records() {
    for await (const row of rows) {
      const finished = row.statusKind === 'completed' || row.statusKind === 'cancelled';
      yield [
        row.item,
        row.orderNumber,
        row.customer,
        row.description,
        row.quantity,
        row.status,
        row.since,
        finished ? null : Math.round(clock.between(Number(row.sinceMs), nowMs) / 36_000) / 100,
        row.due,
        row.machine,
        row.material,
        row.fulfillment,
        row.placed,
        finished ? row.since : null,
      ];
    }
  }
  return { sheetName: 'Items', columns: detailedColumns, rows: records() };
}
