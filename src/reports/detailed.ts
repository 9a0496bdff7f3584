import type { DbOrTx } from '../db/database.js';
import { lineItems } from '../line-items/queries.js';
import { itemLabel, sheetDateTime } from '../platform/format.js';
import { itemsMatching, type QueueFilter } from '../production/queue-query.js';
import { csvStream } from './csv.js';

/** Which items a report covers: a batch's, or what a queue's filter shows. */
export type ReportScope = { batchId: number } | { statuses: readonly string[]; filter: QueueFilter; today: string };

export const detailedHeader = ['Item', 'Order', 'Customer', 'Description', 'Quantity', 'Status', 'In it since', 'Due', 'Machine', 'Material', 'Fulfillment', 'Placed', 'Finished'] as const;

/** Every item in the scope with its status, dates and references, by order number. */
function detailedQuery(db: DbOrTx, scope: ReportScope) {
  const ids =
    'batchId' in scope
      ? db.selectFrom('batch_items').select('batch_items.line_item_id').where('batch_items.batch_id', '=', scope.batchId)
      : itemsMatching(db, scope.statuses, scope.filter, scope.today).select('line_items.id');
  return lineItems(db)
    .innerJoin('orders', 'orders.id', 'line_items.order_id')
    .innerJoin('customers', 'customers.id', 'line_items.customer_id')
    .innerJoin('workflow_statuses', (join) => join.onRef('workflow_statuses.workflow', '=', 'line_items.workflow').onRef('workflow_statuses.key', '=', 'line_items.status'))
    .select(['orders.last_item_number as lastItemNumber', 'customers.name as customerName', 'workflow_statuses.label as statusLabel', 'workflow_statuses.kind as statusKind', 'line_items.created_at as createdAt'])
    .where('line_items.id', 'in', ids)
    .orderBy('line_items.order_number')
    .orderBy('line_items.position');
}

/** The detailed report as CSV, read through a cursor a thousand rows at a time: memory stays flat at any size. */
export function detailedCsv(db: DbOrTx, scope: ReportScope) {
  const rows = detailedQuery(db, scope).stream(1000);
  async function* records() {
    for await (const row of rows) {
      const finished = row.statusKind === 'completed' || row.statusKind === 'cancelled';
      yield [
        itemLabel(row.orderNumber, row.position, row.lastItemNumber),
        row.orderNumber,
        row.customerName,
        row.description,
        row.quantity,
        row.statusLabel,
        sheetDateTime(row.statusEnteredAt),
        row.dueDate,
        row.machine,
        row.material,
        row.fulfillmentMethod,
        sheetDateTime(row.createdAt),
        finished ? sheetDateTime(row.statusEnteredAt) : '',
      ];
    }
  }
  return csvStream(detailedHeader, records());
}
