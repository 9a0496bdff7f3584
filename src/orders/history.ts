import { anyOf } from '../db/any-of.js';
import { compiledOnce } from '../db/compiled.js';
import type { DbOrTx } from '../db/database.js';
import { eventsWithActors } from '../events/history.js';
import * as fmt from '../platform/format.js';
import type { DocumentVisibility } from '../db/types.js';
import { visibilityLabels } from '../documents/documents.js';

/** An order's own events and its items', newest first; an item's addition and removal are told by the order's own events. */
function orderEvents(db: DbOrTx, orderId: number) {
  return eventsWithActors(db).where((eb) =>
    eb.or([
      eb.and([eb('events.subject_type', '=', 'order'), eb('events.subject_id', '=', orderId)]),
      eb.and([
        eb('events.subject_type', '=', 'line_item'),
        eb('events.subject_id', '=', anyOf(eb.selectFrom('line_items').select('line_items.id').where('line_items.order_id', '=', orderId))),
        eb('events.action', 'not in', ['added', 'removed']),
      ]),
    ]),
  );
}

const orderHistoryRows = compiledOnce(orderEvents);

/** An order's history: its own events (created, edited, items added or removed) and its items', newest first. */
export async function orderHistory(db: DbOrTx, orderId: number) {
  return orderHistoryRows(db, orderId);
}

/** Who last changed the order or one of its items: the "saved by" of an edit conflict. */
export async function lastChangedBy(db: DbOrTx, orderId: number): Promise<string | null> {
  const last = await orderEvents(db, orderId).limit(1).executeTakeFirst();
  return last ? (last.actorName ?? last.actorVia) : null;
}

export type OrderHistoryEntry = Awaited<ReturnType<typeof orderHistory>>[number];

/** What an order-level event says: "created the order (3 items, $1,200.00)", "removed item 1042 · 2/4 “Banner”". */
export function orderEventText(action: string, particulars: Record<string, unknown>): string {
  switch (action) {
    case 'created':
      return `created the order (${String(particulars.items)} ${particulars.items === 1 ? 'item' : 'items'}${particulars.total === undefined ? '' : `, ${fmt.money(String(particulars.total))}`})${particulars.copiedFromId ? ' from a previous order' : ''}`;
    case 'updated': {
      const listed = fmt.changeList(particulars.changes);
      return listed ? `edited the order: ${listed}` : 'saved the order';
    }
    case 'item-added':
      return `added item ${String(particulars.label)} “${String(particulars.description)}”`;
    case 'item-removed':
      return `removed item ${String(particulars.label)} “${String(particulars.description)}” (its number stays unused)`;
    case 'payment-recorded':
      return `recorded a payment of ${fmt.money(String(particulars.amount))} (${String(particulars.method)}, received ${fmt.date(String(particulars.receivedOn))})`;
    case 'document-attached':
      return `attached “${String(particulars.title)}” (${String(particulars.fileName)})`;
    case 'document-version':
      return `attached version ${String(particulars.version)} of “${String(particulars.title)}” (${String(particulars.fileName)})`;
    case 'document-generated':
      return `drew ${particulars.version === 1 ? '' : `version ${String(particulars.version)} of `}“${String(particulars.title)}”`;
    case 'invoice-issued':
      return `issued invoice ${String(particulars.number)} for ${fmt.money(String(particulars.total))}`;
    case 'document-visibility':
      return `changed who may see “${String(particulars.title)}”: ${visibilityLabels[particulars.from as DocumentVisibility] ?? String(particulars.from)} → ${visibilityLabels[particulars.to as DocumentVisibility] ?? String(particulars.to)}`;
    default:
      return action.replaceAll('-', ' ');
  }
}

