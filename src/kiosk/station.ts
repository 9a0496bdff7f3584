import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import type { Workflow } from '../workflow/definition.js';
import { itemLabel } from '../platform/format.js';
import type { KioskContext } from './devices.js';

const stationLimit = 60;

function stationStatuses(workflow: Workflow, kiosk: Pick<KioskContext, 'queueKeys'>): string[] {
  return workflow.queues.filter((queue) => kiosk.queueKeys.includes(queue.key)).flatMap((queue) => queue.statuses);
}

/**
 * The first rows of each (status, machine) pair straight from its index, merged: one index
 * range per pair instead of sorting every item of the station's queues (10,000 on one
 * machine of a large shop) to keep 60.
 */
function chosenIds(statuses: string[], machineIds: number[]) {
  const limit = sql.lit(stationLimit + 1);
  const ranges = statuses.flatMap((status) =>
    machineIds.length === 0
      ? [sql`(select id, due_date from line_items where status = ${status} order by due_date asc nulls last, id limit ${limit})`]
      : machineIds.map((machineId) => sql`(select id, due_date from line_items where status = ${status} and machine_id = ${machineId} order by due_date asc nulls last, id limit ${limit})`),
  );
  return sql`select id from (${sql.join(ranges, sql` union all `)}) ranges order by due_date asc nulls last, id limit ${limit}`;
}

/** The station's work: its queues' items on its machines, soonest due first, with who is on each. */
export async function stationItems(db: DbOrTx, workflow: Workflow, kiosk: Pick<KioskContext, 'queueKeys' | 'machineIds'>) {
  const statuses = stationStatuses(workflow, kiosk);
  if (statuses.length === 0) return { items: [], more: false };
  // Its own short column list, not the line item's whole select: sixty cards, every few seconds, on every tablet.
  const rows = await db
    .selectFrom('line_items')
    .innerJoin('orders', 'orders.id', 'line_items.order_id')
    .innerJoin('customers', 'customers.id', 'line_items.customer_id')
    .leftJoin('machines', 'machines.id', 'line_items.machine_id')
    .leftJoin('materials', 'materials.id', 'line_items.material_id')
    .select([
      'line_items.id',
      'line_items.order_number as orderNumber',
      'line_items.position',
      'orders.last_item_number as lastItemNumber',
      'customers.name as customerName',
      'line_items.description',
      'line_items.quantity',
      'machines.name as machine',
      'materials.name as material',
      'line_items.due_date as dueDate',
      'line_items.status',
      'line_items.notes',
      sql<number | null>`(select max(p.id) from item_photos p where p.line_item_id = line_items.id)`.as('photoId'),
      sql<number>`(select count(*)::int from item_photos p where p.line_item_id = line_items.id)`.as('photoCount'),
      sql<string[]>`array(select u.name from work_logs w join users u on u.id = w.user_id where w.line_item_id = line_items.id and w.ended_at is null order by w.started_at)`.as('workingNow'),
    ])
    .where(sql<boolean>`line_items.id in (${chosenIds(statuses, kiosk.machineIds)})`)
    .orderBy(sql`line_items.due_date asc nulls last`)
    .orderBy('line_items.id')
    .execute();
  const items = rows.slice(0, stationLimit).map(({ position, lastItemNumber, ...row }) => ({ ...row, label: itemLabel(row.orderNumber, position, lastItemNumber) }));
  return { items, more: rows.length > stationLimit };
}

export type ScanResult =
  | { kind: 'item'; itemId: number }
  | { kind: 'order'; orderNumber: number; items: { id: number; label: string; description: string; status: string }[] }
  | { kind: 'unknown'; message: string };

/**
 * What a scanned or typed code means: `1042-2` (as printed on the job traveler, also
 * `1042 · 2/4` as shown on screen) opens that item; `1042` alone opens the order's only
 * item or lists its items.
 */
export async function lookUpCode(db: DbOrTx, typed: string): Promise<ScanResult> {
  const code = typed.trim();
  const match = /^#?(\d{1,9})(?:\s*[-·/.]\s*(\d{1,4})(?:\s*\/\s*\d{1,4})?)?$/.exec(code);
  if (!match) {
    return { kind: 'unknown', message: code === '' ? 'Scan a job traveler or type an order number.' : `“${code.slice(0, 40)}” is not a job code. Job codes look like 1042-2, or type the order number.` };
  }
  const orderNumber = Number(match[1]);
  const items = await db
    .selectFrom('line_items as li')
    .innerJoin('orders as o', 'o.id', 'li.order_id')
    .select(['li.id', 'li.position', 'o.last_item_number as lastItemNumber', 'li.description', 'li.status'])
    .where('o.number', '=', orderNumber)
    .orderBy('li.position')
    .execute();
  if (items.length === 0) return { kind: 'unknown', message: `There is no order ${orderNumber}.` };
  if (match[2] !== undefined) {
    const item = items.find((i) => i.position === Number(match[2]));
    if (!item) return { kind: 'unknown', message: `Order ${orderNumber} has no item ${Number(match[2])}; it has ${items.length}.` };
    return { kind: 'item', itemId: item.id };
  }
  if (items.length === 1) return { kind: 'item', itemId: items[0]!.id };
  return {
    kind: 'order',
    orderNumber,
    items: items.map((i) => ({ id: i.id, label: itemLabel(orderNumber, i.position, i.lastItemNumber), description: i.description, status: i.status })),
  };
}
