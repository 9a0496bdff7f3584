import type { DbOrTx } from '../db/database.js';
import { eventsWithActors } from '../events/history.js';
import { lineItems } from '../line-items/queries.js';
import { itemLabel } from '../platform/format.js';
import type { BusinessClock } from '../monitoring/business-time.js';
import type { DurationLookup } from '../monitoring/durations.js';
import { forecastOf } from '../monitoring/eta.js';
import { staysOf, timePerStatus } from '../monitoring/time-in-status.js';
import type { Workflow } from '../workflow/definition.js';
import { itemNotes } from './item-notes.js';
import { itemPhotos } from '../line-items/photos.js';
import { timeWorkedOn, totalMinutes } from './work-logs.js';

/** One line item with its order, customer, references and full history, newest first. */
export async function itemDetail(db: DbOrTx, itemId: number) {
  const item = await lineItems(db)
    .innerJoin('orders', 'orders.id', 'line_items.order_id')
    .innerJoin('customers', 'customers.id', 'line_items.customer_id')
    .select([
      'orders.number as orderNumber',
      'orders.notes as orderNotes',
      'orders.last_item_number as lastItemNumber',
      'customers.id as customerId',
      'customers.name as customerName',
      'line_items.created_at as createdAt',
      'line_items.machine_id as machineId',
      'line_items.material_id as materialId',
      'line_items.planned_start as plannedStart',
      'line_items.planned_end as plannedEnd',
    ])
    .where('line_items.id', '=', itemId)
    .executeTakeFirst();
  if (!item) return undefined;
  const history = await itemHistory(db, [itemId]);
  return { item, label: itemLabel(item.orderNumber, item.position, item.lastItemNumber), history };
}

export async function itemHistory(db: DbOrTx, itemIds: number[]) {
  if (itemIds.length === 0) return [];
  return eventsWithActors(db).where('events.subject_type', '=', 'line_item').where('events.subject_id', 'in', itemIds).execute();
}

/**
 * Everything an item's page shows, office or kiosk: the item, its history, time worked, notes,
 * photos, and its time in each status on the shop's clock.
 */
export async function itemRecord(db: DbOrTx, workflow: Workflow, itemId: number, { clock, history }: { clock: BusinessClock; history: DurationLookup }, now = new Date()) {
  const detail = await itemDetail(db, itemId);
  if (!detail) return undefined;
  const [times, notes, photos] = await Promise.all([timeWorkedOn(db, [itemId]), itemNotes(db, itemId), itemPhotos(db, itemId)]);
  const worked = times.get(itemId) ?? [];
  const moves = [...detail.history].reverse();
  const statusTimes = timePerStatus(staysOf(detail.item.createdAt, detail.item.status, moves), workflow.statuses, clock, now);
  const currentStatusTime = statusTimes.find((time) => time.current);
  const forecast = forecastOf(workflow, detail.item, currentStatusTime?.workingMs ?? 0, clock, now, history);
  const finishedAt = ['completed', 'cancelled'].includes(workflow.statuses.get(detail.item.status)?.kind ?? '') ? detail.item.statusEnteredAt : null;
  return {
    ...detail,
    status: workflow.statuses.get(detail.item.status)!,
    worked,
    workedTotal: totalMinutes(worked),
    notes,
    photos,
    statusTimes,
    currentStatusTime,
    forecast,
    finishedAt,
    workingDayMinutes: clock.calendar.dayEndMinute - clock.calendar.dayStartMinute,
  };
}
