import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import type { FulfillmentMethod } from '../db/types.js';
import { recordEvent, type Actor } from '../events/record.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { isFulfillmentMethod } from '../workflow/definition.js';

export const initialStatus = 'pending';
export const maxItemsPerOrder = 200;

export interface ItemInput {
  description: string;
  quantity: string;
  unitPrice: string;
  machineId: string;
  materialId: string;
  fulfillmentMethod: string;
  dueDate: string;
  assigneeId: string;
  notes: string;
  /** Hours of work the item is expected to take, e.g. "1.5"; empty when nobody estimated. */
  expectedHours?: string;
}

export interface OrderInput {
  customerId: string;
  salespersonId: string;
  dueDate: string;
  notes: string;
  items: ItemInput[];
}

export interface ValidItem {
  description: string;
  quantity: number;
  unitPriceCents: number;
  machineId: number | null;
  materialId: number | null;
  fulfillmentMethod: FulfillmentMethod;
  dueDate: string | null;
  assigneeId: number | null;
  notes: string;
  expectedWorkMinutes: number | null;
}

export interface ValidOrder {
  customerId: number;
  salespersonId: number | null;
  dueDate: string | null;
  notes: string;
  items: ValidItem[];
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

function parseDate(value: string): string | null | undefined {
  if (value === '') return null;
  if (!isoDate.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value ? undefined : value;
}

function parseId(value: string): number | null | undefined {
  if (value === '') return null;
  return /^\d+$/.test(value) && Number(value) > 0 ? Number(value) : undefined;
}

export function parseMoneyToCents(value: string): number | undefined {
  const cleaned = value.replace(/[$,\s]/g, '');
  if (cleaned === '') return 0;
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(cleaned)) return undefined;
  const [whole, fraction = ''] = cleaned.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

export function centsToMoney(cents: number): string {
  return (cents / 100).toFixed(2);
}

/** Checks an order form; problems are keyed by field, items as "items.<n>.<field>". */
export function validateOrder(input: OrderInput): { order?: ValidOrder; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const customerId = parseId(input.customerId);
  if (!customerId) errors.customerId = 'Choose the customer.';
  const salespersonId = parseId(input.salespersonId);
  if (salespersonId === undefined) errors.salespersonId = 'Choose a salesperson from the list.';
  const dueDate = parseDate(input.dueDate);
  if (dueDate === undefined) errors.dueDate = 'Enter a date like 2026-12-31.';
  if (input.notes.length > 5000) errors.notes = 'Keep the notes under 5000 characters.';
  if (input.items.length === 0) errors.items = 'Add at least one line item.';
  if (input.items.length > maxItemsPerOrder) errors.items = `An order holds at most ${maxItemsPerOrder} line items.`;

  const items: ValidItem[] = input.items.map((item, index) => {
    const key = (field: string) => `items.${index}.${field}`;
    if (item.description === '') errors[key('description')] = 'Describe the product.';
    else if (item.description.length > 500) errors[key('description')] = 'Use at most 500 characters.';
    const quantity = /^\d+$/.test(item.quantity) ? Number(item.quantity) : NaN;
    if (!(quantity >= 1 && quantity <= 1_000_000)) errors[key('quantity')] = 'Enter a whole number of at least 1.';
    const unitPriceCents = parseMoneyToCents(item.unitPrice);
    if (unitPriceCents === undefined) errors[key('unitPrice')] = 'Enter a price like 125.00.';
    const machineId = parseId(item.machineId);
    if (machineId === undefined) errors[key('machineId')] = 'Choose a machine from the list.';
    const materialId = parseId(item.materialId);
    if (materialId === undefined) errors[key('materialId')] = 'Choose a material from the list.';
    if (!isFulfillmentMethod(item.fulfillmentMethod)) errors[key('fulfillmentMethod')] = 'Choose pickup, installation, delivery or shipping.';
    const itemDue = parseDate(item.dueDate);
    if (itemDue === undefined) errors[key('dueDate')] = 'Enter a date like 2026-12-31.';
    const assigneeId = parseId(item.assigneeId);
    if (assigneeId === undefined) errors[key('assigneeId')] = 'Choose someone from the list.';
    if (item.notes.length > 2000) errors[key('notes')] = 'Keep the notes under 2000 characters.';
    const expectedHours = (item.expectedHours ?? '').trim();
    const expectedWorkMinutes = expectedHours === '' ? null : Math.round(Number(expectedHours) * 60);
    if (expectedWorkMinutes !== null && !(Number.isFinite(expectedWorkMinutes) && /^\d+(\.\d+)?$/.test(expectedHours) && expectedWorkMinutes >= 1 && expectedWorkMinutes <= 100_000)) {
      errors[key('expectedHours')] = 'Enter hours like 1.5, or leave it empty.';
    }
    return {
      description: item.description,
      quantity,
      unitPriceCents: unitPriceCents ?? 0,
      machineId: machineId ?? null,
      materialId: materialId ?? null,
      fulfillmentMethod: item.fulfillmentMethod as FulfillmentMethod,
      dueDate: itemDue ?? dueDate ?? null,
      assigneeId: assigneeId ?? null,
      notes: item.notes,
      expectedWorkMinutes,
    };
  });

  if (Object.keys(errors).length > 0) return { errors };
  return { order: { customerId: customerId!, salespersonId: salespersonId ?? null, dueDate: dueDate ?? null, notes: input.notes, items }, errors };
}

/** The ids the form refers to must exist (and people must be active). */
async function checkReferences(db: DbOrTx, order: ValidOrder): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  const customer = await db.selectFrom('customers').select('id').where('id', '=', order.customerId).executeTakeFirst();
  if (!customer) errors.customerId = 'That customer does not exist (any more).';
  const people = [order.salespersonId, ...order.items.map((item) => item.assigneeId)].filter((id): id is number => id !== null);
  const active = new Set(
    people.length ? (await db.selectFrom('users').select('id').where('id', 'in', people).where('active', '=', true).execute()).map((r) => r.id) : [],
  );
  if (order.salespersonId !== null && !active.has(order.salespersonId)) errors.salespersonId = 'That salesperson is not an active user.';
  const machineIds = order.items.map((item) => item.machineId).filter((id): id is number => id !== null);
  const materialIds = order.items.map((item) => item.materialId).filter((id): id is number => id !== null);
  const machines = new Set(machineIds.length ? (await db.selectFrom('machines').select('id').where('id', 'in', machineIds).execute()).map((r) => r.id) : []);
  const materials = new Set(materialIds.length ? (await db.selectFrom('materials').select('id').where('id', 'in', materialIds).execute()).map((r) => r.id) : []);
  order.items.forEach((item, index) => {
    if (item.machineId !== null && !machines.has(item.machineId)) errors[`items.${index}.machineId`] = 'That machine does not exist (any more).';
    if (item.materialId !== null && !materials.has(item.materialId)) errors[`items.${index}.materialId`] = 'That material does not exist (any more).';
    if (item.assigneeId !== null && !active.has(item.assigneeId)) errors[`items.${index}.assigneeId`] = 'That person is not an active user.';
  });
  return errors;
}

export function searchTextFor(orderNumber: number, customerName: string, description: string): string {
  return `${orderNumber} ${customerName} ${description}`.toLowerCase();
}

/** The columns an order takes from the order form; the total is the sum of its lines. */
function orderColumns(order: ValidOrder) {
  const totalCents = order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
  return {
    customer_id: order.customerId,
    salesperson_id: order.salespersonId,
    due_date: order.dueDate,
    notes: order.notes,
    total: centsToMoney(totalCents),
    item_count: order.items.length,
  };
}

/** The columns a line item takes from the order form. */
function lineItemColumns(item: ValidItem, position: number, orderNumber: number, customerId: number, customerName: string) {
  return {
    position,
    description: item.description,
    quantity: item.quantity,
    unit_price: centsToMoney(item.unitPriceCents),
    machine_id: item.machineId,
    material_id: item.materialId,
    fulfillment_method: item.fulfillmentMethod,
    due_date: item.dueDate,
    assignee_id: item.assigneeId,
    notes: item.notes,
    expected_work_minutes: item.expectedWorkMinutes,
    customer_id: customerId,
    search_text: searchTextFor(orderNumber, customerName, item.description),
    updated_at: new Date(),
  };
}

export interface CreatedOrder {
  id: number;
  number: number;
}

/** Creates an order and its line items; every item starts in the first status on its own. */
export async function createOrder(db: Db, actor: Actor, input: OrderInput & { muted?: boolean }): Promise<CreatedOrder> {
  const { order, errors } = validateOrder(input);
  if (!order) throw new ValidationError(errors);
  return db.transaction().execute(async (tx) => {
    const referenceErrors = await checkReferences(tx, order);
    if (Object.keys(referenceErrors).length > 0) throw new ValidationError(referenceErrors);
    const created = await tx
      .insertInto('orders')
      .values({ ...orderColumns(order), customer_emails_muted: input.muted ?? false, updated_at: new Date() })
      .returning(['id', 'number'])
      .executeTakeFirstOrThrow();
    const customer = await tx.selectFrom('customers').select('name').where('id', '=', order.customerId).executeTakeFirstOrThrow();
    await tx
      .insertInto('line_items')
      .values(
        order.items.map((item, index) => ({
          ...lineItemColumns(item, index + 1, created.number, order.customerId, customer.name),
          order_id: created.id,
          status: initialStatus,
          order_number: created.number,
        })),
      )
      .execute();
    await adjustQueueCount(tx, initialStatus, order.items.length);
    await recordEvent(tx, actor, {
      subjectType: 'order',
      subjectId: created.id,
      action: 'created',
      particulars: { number: created.number, items: order.items.length, total: orderColumns(order).total },
    });
    return created;
  });
}

/** Adds (or removes, with a negative delta) items to the queue holding this status. */
export async function adjustQueueCount(db: DbOrTx, status: string, delta: number): Promise<void> {
  await sql`
    insert into queue_changes (queue_key, delta)
    select queue_key, ${delta}::int from workflow_statuses where key = ${status} and queue_key is not null`.execute(db);
}

export interface OrderUpdate extends OrderInput {
  version: number;
  muted: boolean;
  /** Parallel to items: the existing line item's id, or null for a new one. */
  itemIds: (number | null)[];
}

/**
 * Saves an edited order. Existing items keep their status and history; new rows start
 * pending; a row removed from the form is deleted only while it is still pending. Items
 * are renumbered 1..n so labels stay "order · i/n".
 */
export async function updateOrder(db: Db, actor: Actor, orderId: number, input: OrderUpdate): Promise<void> {
  const { order, errors } = validateOrder(input);
  if (!order) throw new ValidationError(errors);
  await db.transaction().execute(async (tx) => {
    const current = await tx.selectFrom('orders').select(['id', 'number', 'version', 'item_count']).where('id', '=', orderId).forUpdate().executeTakeFirst();
    if (!current) throw new HttpError(404, 'There is no such order.');
    if (current.version !== input.version) {
      throw new ConflictError(`Order ${current.number} was changed by someone else while you were editing. Nothing was saved; open it again to see their changes.`);
    }
    const referenceErrors = await checkReferences(tx, order);
    if (Object.keys(referenceErrors).length > 0) throw new ValidationError(referenceErrors);

    const existing = await tx
      .selectFrom('line_items')
      .innerJoin('workflow_statuses', 'workflow_statuses.key', 'line_items.status')
      .select(['line_items.id', 'line_items.position', 'line_items.status', 'line_items.fulfillment_method', 'workflow_statuses.label', 'workflow_statuses.queue_key', 'workflow_statuses.fulfillment_method as statusMethod'])
      .where('line_items.order_id', '=', orderId)
      .execute();
    const byId = new Map(existing.map((row) => [row.id, row]));
    const itemErrors: FieldErrors = {};
    input.itemIds.forEach((id, index) => {
      if (id === null) return;
      const row = byId.get(id);
      if (!row) itemErrors[`items.${index}.description`] = 'This item does not belong to this order.';
      else if (row.statusMethod !== null && row.statusMethod !== order.items[index]!.fulfillmentMethod) {
        itemErrors[`items.${index}.fulfillmentMethod`] = `Already ${row.label}: send it back to work to change how it is fulfilled.`;
      }
    });
    const kept = new Set(input.itemIds.filter((id): id is number => id !== null));
    const removed = existing.filter((row) => !kept.has(row.id));
    const blocked = removed.filter((row) => row.status !== initialStatus);
    if (blocked.length > 0) {
      itemErrors.items = `${blocked.map((row) => `${current.number} · ${row.position}/${current.item_count} (${row.label})`).join(', ')} cannot be removed once work has started; cancel it from its queue instead.`;
    }
    if (Object.keys(itemErrors).length > 0) throw new ValidationError(itemErrors);

    const customer = await tx.selectFrom('customers').select('name').where('id', '=', order.customerId).executeTakeFirstOrThrow();
    if (removed.length > 0) {
      await tx.deleteFrom('line_items').where('id', 'in', removed.map((row) => row.id)).execute();
      await adjustQueueCount(tx, initialStatus, -removed.length);
    }
    // Move every kept item out of the way first: (order_id, position) is unique.
    await tx.updateTable('line_items').set({ position: sql<number>`position + 100000` }).where('order_id', '=', orderId).execute();
    const touchedQueues = new Set<string>();
    let added = 0;
    for (const [index, item] of order.items.entries()) {
      const id = input.itemIds[index] ?? null;
      const fields = lineItemColumns(item, index + 1, current.number, order.customerId, customer.name);
      if (id === null) {
        await tx.insertInto('line_items').values({ ...fields, order_id: orderId, status: initialStatus, order_number: current.number }).execute();
        added += 1;
      } else {
        await tx.updateTable('line_items').set({ ...fields, version: sql<number>`version + 1` }).where('id', '=', id).execute();
        const queue = byId.get(id)!.queue_key;
        if (queue) touchedQueues.add(queue);
      }
    }
    if (added > 0) await adjustQueueCount(tx, initialStatus, added);
    if (touchedQueues.size > 0) await tx.insertInto('queue_changes').values([...touchedQueues].map((key) => ({ queue_key: key, delta: 0 }))).execute();

    const columns = orderColumns(order);
    await tx
      .updateTable('orders')
      .set({
        ...columns,
        customer_emails_muted: input.muted,
        version: sql<number>`version + 1`,
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', orderId)
      .execute();
    await recordEvent(tx, actor, {
      subjectType: 'order',
      subjectId: orderId,
      action: 'updated',
      particulars: { items: order.items.length, added, removed: removed.length, total: columns.total, muted: input.muted },
    });
  });
}
