import { sql, type CompiledQuery } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { spreadsheetSafeSql } from './detailed.js';
import { rowBatches } from './rows.js';
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

type TimelineRow = [string, string | null, string | null, string | null, string | null, string | null, string, string, string];

export function timelineReport(db: Db, scope: ReportScope, workflow: Workflow, timeZone: string): ReportTable {
  const label = (key: string | null) => (key === null ? '' : (workflow.statuses.get(key)?.label ?? key));
  async function* batches() {
    for await (const rows of rowBatches(db, timelineQuery(db, scope, timeZone))) {
      yield (rows as TimelineRow[]).map(([occurredAt, from, to, note, via, actor, item, description, customer]) => [
        occurredAt,
        item,
        customer,
        description,
        label(from),
        label(to),
        actor ?? via ?? '',
        note ?? '',
      ]);
    }
  }
  return { sheetName: 'Timeline', columns: timelineColumns, batches: batches() };
}

/** The timeline as one query whose every column is the CSV's text, for PostgreSQL to write with COPY. */
export function timelineCsvQuery(db: DbOrTx, scope: ReportScope, timeZone: string): CompiledQuery {
  const within =
    scope.kind === 'period'
      ? (() => {
          const { start, end } = periodBounds(scope);
          return sql`e.occurred_at >= ${start} and e.occurred_at < ${end}`;
        })()
      : sql`e.subject_id in (${scopedItemIds(db, scope)})`;
  return sql`
    select to_char(e.occurred_at at time zone ${timeZone}, 'YYYY-MM-DD HH24:MI'),
           li.order_number || ' · ' || li.position || '/' || o.last_item_number,
           ${spreadsheetSafeSql(sql`c.name`)},
           ${spreadsheetSafeSql(sql`li.description`)},
           ${spreadsheetSafeSql(sql`coalesce(fs.label, e.from_status)`)},
           ${spreadsheetSafeSql(sql`coalesce(ts.label, e.to_status)`)},
           ${spreadsheetSafeSql(sql`coalesce(u.name, e.actor_via, '')`)},
           ${spreadsheetSafeSql(sql`coalesce(e.note, '')`)}
      from events e
      join line_items li on li.id = e.subject_id
      join orders o on o.id = li.order_id
      join customers c on c.id = li.customer_id
      left join users u on u.id = e.actor_user_id
      left join workflow_statuses fs on fs.workflow = li.workflow and fs.key = e.from_status
      left join workflow_statuses ts on ts.workflow = li.workflow and ts.key = e.to_status
     where e.subject_type = 'line_item' and e.to_status is not null and ${within}
     order by e.id`.compile(db);
}
