import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import type { Workflow } from '../workflow/definition.js';
import { periodBounds, scopedItemIds, type ReportScope } from './scope.js';
import { columns, localTime, type ReportTable } from './table.js';

export const timelineColumns = columns(['When', 17], ['Item', 12], ['Customer', 24], ['Description', 32], ['From', 22], ['To', 22], ['By', 20], ['Reason or note', 40]);

/** Every status change of the scope's items (or, for a period, every one made in it), oldest first, with who made it. */
function timelineQuery(db: DbOrTx, scope: ReportScope, timeZone: string) {
  let query = db
    .selectFrom('events')
    .innerJoin('line_items', 'line_items.id', 'events.subject_id')
    .innerJoin('orders', 'orders.id', 'line_items.order_id')
    .innerJoin('customers', 'customers.id', 'line_items.customer_id')
    .leftJoin('users', 'users.id', 'events.actor_user_id')
    .select([
      localTime('events.occurred_at', timeZone).as('occurredAt'),
      'events.from_status as fromStatus',
      'events.to_status as toStatus',
      'events.note',
      'events.actor_via as actorVia',
      'users.name as actorName',
      sql<string>`line_items.order_number || ' · ' || line_items.position || '/' || orders.last_item_number`.as('item'),
      'line_items.description',
      'customers.name as customerName',
    ])
    .where('events.subject_type', '=', 'line_item')
    .where('events.to_status', 'is not', null);
  if (scope.kind === 'period') {
    const { start, end } = periodBounds(scope);
    query = query.where('events.occurred_at', '>=', start).where('events.occurred_at', '<', end);
  } else {
    query = query.where('events.subject_id', 'in', scopedItemIds(db, scope));
  }
  return query.orderBy('events.id');
}

export function timelineReport(db: DbOrTx, scope: ReportScope, workflow: Workflow, timeZone: string): ReportTable {
  const label = (key: string | null) => (key === null ? '' : (workflow.statuses.get(key)?.label ?? key));
  const rows = timelineQuery(db, scope, timeZone).stream(1000);
  async function* records() {
    for await (const row of rows) {
      yield [
        row.occurredAt,
        row.item,
        row.customerName,
        row.description,
        label(row.fromStatus),
        label(row.toStatus),
        row.actorName ?? row.actorVia ?? '',
        row.note ?? '',
      ];
    }
  }
  return { sheetName: 'Timeline', columns: timelineColumns, rows: records() };
}
