import { sql } from 'kysely';
import { refuseIfArchived } from '../archive/archived.js';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { FulfillmentMethod } from '../db/types.js';
import { recordEvent, type Actor } from '../events/record.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import * as fmt from '../platform/format.js';
import { formSpec, wholeNumber, type FormValues } from '../platform/form-spec.js';
import { fulfillmentMethods } from '../line-items/fulfillment.js';
import { itemLabel } from '../platform/format.js';
import { amountToCents, centsToMoney, parseMoneyToCents } from '../platform/money.js';
import { lineItemWorkflow } from '../line-items/subject.js';
import { countInStatus, touchQueuesOfStatuses } from '../workflow/queue-changes.js';
import { isPastApproval, itemsWaitingStatus, newItemStatusFor, reviewsWaiting, startingStatuses } from './approval.js';
import { initialStatusOf, loadWorkflow } from '../workflow/definition.js';
import { approveOrderSheets, refreshApprovedSheets } from './sheets.js';
import { orderWorkflow } from './subject.js';
import { copyDocuments, moveDocumentsToOrder } from '../documents/documents.js';

export const maxItemsPerOrder = 200;

const dateMessage = 'Enter a date like 2026-12-31.';

/** The order's own fields (its items repeat below it: orderItemForm). */
export const orderForm = formSpec({
  customerId: { kind: 'reference', label: 'Customer', required: 'Choose the customer.', invalid: 'Choose the customer.', placeholder: 'Choose a customer…' },
  salespersonId: { kind: 'reference', label: 'Salesperson', invalid: 'Choose a salesperson from the list.', placeholder: 'Nobody' },
  dueDate: { kind: 'date', label: 'Order due date', max: 10, invalid: dateMessage, hint: 'Items without their own date are due then.' },
  notes: { kind: 'textarea', label: 'Notes', max: 5000, tooLong: 'Keep the notes under 5000 characters.' },
  muted: { kind: 'checkbox', label: 'Mute customer emails for this order' },
});

/** One line item of the order form, as typed. */
export const orderItemForm = formSpec({
  description: { kind: 'text', label: 'Description', max: 500, required: 'Describe the product.' },
  quantity: { kind: 'integer', label: 'Quantity', min: 1, max: 1_000_000, message: 'Enter a whole number of at least 1.' },
  unitPrice: { kind: 'text', label: 'Unit price', max: 20, valid: (value) => parseMoneyToCents(value) !== undefined, invalid: 'Enter a price like 125.00.', tooLong: 'Enter a price like 125.00.', placeholder: '0.00', inputmode: 'decimal' },
  machineId: { kind: 'reference', label: 'Machine', invalid: 'Choose a machine from the list.', placeholder: '—' },
  materialId: { kind: 'reference', label: 'Material', invalid: 'Choose a material from the list.', placeholder: '—' },
  fulfillmentMethod: { kind: 'select', label: 'Fulfillment', required: 'Choose pickup, installation, delivery or shipping.', invalid: 'Choose pickup, installation, delivery or shipping.' },
  dueDate: { kind: 'date', label: 'Due date', max: 10, invalid: dateMessage },
  assigneeId: { kind: 'reference', label: 'Assignee', invalid: 'Choose someone from the list.', placeholder: 'Nobody yet' },
  expectedHours: {
    kind: 'text',
    label: 'Expected work, hours',
    max: 8,
    valid: (value) => hoursToMinutes(value) !== undefined,
    invalid: 'Enter hours like 1.5, or leave it empty.',
    tooLong: 'Enter hours like 1.5, or leave it empty.',
    inputmode: 'decimal',
  },
  notes: { kind: 'text', label: 'Notes for the shop', max: 2000, tooLong: 'Keep the notes under 2000 characters.' },
});
const itemOptions = { fulfillmentMethod: fulfillmentMethods.map((method) => ({ value: method.key, label: method.label })) };

/** A line item as typed; `expectedHours` is "1.5" or empty when nobody estimated. */
export type ItemInput = Omit<FormValues<typeof orderItemForm.fields>, 'expectedHours'> & { expectedHours?: string };

export interface OrderInput extends Omit<FormValues<typeof orderForm.fields>, 'muted'> {
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

/** Whole minutes of "1.5" hours, at least one and at most 100,000; undefined when it is not such a number. */
function hoursToMinutes(hours: string): number | undefined {
  if (!/^\d{1,5}(\.\d+)?$/.test(hours)) return undefined;
  const minutes = Math.round(Number(hours) * 60);
  return minutes >= 1 && minutes <= 100_000 ? minutes : undefined;
}

const idOrNull = (value: string): number | null => (value === '' ? null : Number(value));

/** Checks an order form; problems are keyed by field, items as "items.<n>.<field>". */
export function validateOrder(input: OrderInput): { order?: ValidOrder; errors: FieldErrors } {
  const errors: FieldErrors = orderForm.validate({ ...input, muted: false });
  if (input.items.length === 0) errors.items = 'Add at least one line item.';
  if (input.items.length > maxItemsPerOrder) errors.items = `An order holds at most ${maxItemsPerOrder} line items.`;
  input.items.forEach((item, index) => {
    const itemErrors = orderItemForm.validate({ ...item, expectedHours: item.expectedHours ?? '' }, { options: itemOptions });
    for (const [field, message] of Object.entries(itemErrors)) errors[`items.${index}.${field}`] = message;
  });
  if (Object.keys(errors).length > 0) return { errors };

  const dueDate = input.dueDate === '' ? null : input.dueDate;
  const items: ValidItem[] = input.items.map((item) => ({
    description: item.description,
    quantity: wholeNumber(item.quantity),
    unitPriceCents: parseMoneyToCents(item.unitPrice)!,
    machineId: idOrNull(item.machineId),
    materialId: idOrNull(item.materialId),
    fulfillmentMethod: item.fulfillmentMethod as FulfillmentMethod,
    dueDate: item.dueDate === '' ? dueDate : item.dueDate,
    assigneeId: idOrNull(item.assigneeId),
    notes: item.notes,
    expectedWorkMinutes: (item.expectedHours ?? '') === '' ? null : hoursToMinutes(item.expectedHours!)!,
  }));
  return { order: { customerId: Number(input.customerId), salespersonId: idOrNull(input.salespersonId), dueDate, notes: input.notes, items }, errors };
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

/** What the queue's free-text search matches: order number, customer, company and description. */
export function searchTextFor(orderNumber: number, customer: { name: string; company: string }, description: string): string {
  return [String(orderNumber), customer.name, customer.company, description].filter((part) => part !== '').join(' ').toLowerCase();
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
function lineItemColumns(item: ValidItem, orderNumber: number, customerId: number, customer: { name: string; company: string }) {
  return {
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
    search_text: searchTextFor(orderNumber, customer, item.description),
    updated_at: new Date(),
  };
}

export interface CreatedOrder {
  id: number;
  number: number;
  /** Its items wait for the order's approval rather than going straight to production. */
  awaitingApproval: boolean;
}

async function customerOf(db: DbOrTx, customerId: number) {
  return db.selectFrom('customers').select(['name', 'company']).where('id', '=', customerId).executeTakeFirstOrThrow();
}

/**
 * Creates an order and its line items, numbered 1..n. Under the shop's approval setting the
 * order starts as a draft and its items wait for its approval; otherwise it starts approved and
 * its items go straight to production. Each item then moves on its own.
 */
export async function createOrder(db: Db, actor: Actor, input: OrderInput & { muted?: boolean; copiedFromId?: number }): Promise<CreatedOrder> {
  const { order, errors } = validateOrder(input);
  if (!order) throw new ValidationError(errors);
  return inTransaction(db, async (tx) => {
    const referenceErrors = await checkReferences(tx, order);
    if (Object.keys(referenceErrors).length > 0) throw new ValidationError(referenceErrors);
    const starting = await startingStatuses(tx);
    // The order it was started from, if it still exists: a link, not a requirement.
    const copiedFrom = input.copiedFromId === undefined ? undefined : await tx.selectFrom('orders').select('id').where('id', '=', input.copiedFromId).executeTakeFirst();
    const created = await tx
      .insertInto('orders')
      .values({ ...orderColumns(order), status: starting.order, last_item_number: order.items.length, customer_emails_muted: input.muted ?? false, copied_from_id: copiedFrom?.id ?? null, updated_at: new Date() })
      .returning(['id', 'number'])
      .executeTakeFirstOrThrow();
    await countInStatus(tx, orderWorkflow, starting.order, 1);
    if (copiedFrom) await copyDocuments(tx, actor, copiedFrom.id, created.id);
    const customer = await customerOf(tx, order.customerId);
    const initialStatus = starting.items;
    await tx
      .insertInto('line_items')
      .values(
        order.items.map((item, index) => ({
          ...lineItemColumns(item, created.number, order.customerId, customer),
          position: index + 1,
          order_id: created.id,
          status: initialStatus,
          order_number: created.number,
        })),
      )
      .execute();
    await countInStatus(tx, lineItemWorkflow, initialStatus, order.items.length);
    await recordEvent(tx, actor, {
      subjectType: 'order',
      subjectId: created.id,
      action: 'created',
      toStatus: starting.order,
      particulars: { number: created.number, items: order.items.length, total: orderColumns(order).total, ...(copiedFrom ? { copiedFromId: copiedFrom.id } : {}) },
    });
    const awaitingApproval = starting.items !== (await initialStatusOf(tx, lineItemWorkflow));
    // Without approval an order is approved as it is entered: its sheets are the approved ones.
    if (!awaitingApproval) await approveOrderSheets(tx, actor, created.id);
    return { ...created, awaitingApproval };
  });
}

export interface OrderUpdate extends OrderInput {
  version: number;
  muted: boolean;
  /** Parallel to items: the existing line item's id, or null for a new one. */
  itemIds: (number | null)[];
  /** The person ticked that the items left out of the form are to be removed. */
  confirmRemoval?: boolean;
}

/** One changed field, as the history shows it: "Due date: Dec 1, 2026 → Dec 3, 2026". */
export interface FieldChange {
  field: string;
  from: string;
  to: string;
}

type Names = Map<string, string>;

/** Names of the people, customers, machines and materials an edit mentions, as they are now. */
async function namesFor(db: DbOrTx, ids: { users: number[]; customers: number[]; machines: number[]; materials: number[] }): Promise<Names> {
  const names: Names = new Map();
  const load = async (table: 'users' | 'customers' | 'machines' | 'materials', list: number[]) => {
    const unique = [...new Set(list)];
    if (unique.length === 0) return;
    for (const row of await db.selectFrom(table).select(['id', 'name']).where('id', 'in', unique).execute()) names.set(`${table}:${row.id}`, row.name);
  };
  await Promise.all([load('users', ids.users), load('customers', ids.customers), load('machines', ids.machines), load('materials', ids.materials)]);
  return names;
}

function changes(pairs: [string, string, string][]): FieldChange[] {
  return pairs.filter(([, from, to]) => from !== to).map(([field, from, to]) => ({ field, from, to }));
}

const nameOr = (names: Names, table: string, id: number | null, none: string) => (id === null ? none : (names.get(`${table}:${id}`) ?? `#${id}`));
const dateOrNone = (value: string | null) => (value ? fmt.date(value) : 'none');
const methodLabel = (key: string) => fulfillmentMethods.find((method) => method.key === key)?.label ?? key;
const hours = (minutes: number | null) => (minutes === null ? 'none' : `${Math.round((minutes / 60) * 100) / 100} h`);

/**
 * Saves an edited order. Existing items keep their number, status and history; new rows get the
 * next numbers; a row left out of the form is removed only while it is still pending, only once
 * the person confirms, and leaves a gap in the numbering. Every change is an event: the order's
 * own fields on the order, each item's on the item, additions and removals on both.
 */
export async function updateOrder(db: Db, actor: Actor & { roles: readonly string[] }, orderId: number, input: OrderUpdate): Promise<void> {
  const { order, errors } = validateOrder(input);
  if (!order) throw new ValidationError(errors);
  await inTransaction(db, async (tx) => {
    // Items before their order: the lock order every transaction keeps (src/db/transaction.ts).
    await tx.selectFrom('line_items').select('id').where('order_id', '=', orderId).orderBy('id').forUpdate().execute();
    const current = await tx
      .selectFrom('orders')
      .select(['id', 'number', 'version', 'status', 'last_item_number', 'customer_id', 'salesperson_id', 'due_date', 'notes', 'customer_emails_muted'])
      .where('id', '=', orderId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw new HttpError(404, 'There is no such order.');
    if (current.version !== input.version) throw new OrderConflictError(current.number);
    const statusKind = await tx.selectFrom('workflow_statuses').select('kind').where('workflow', '=', orderWorkflow).where('key', '=', current.status).executeTakeFirst();
    if (statusKind?.kind === 'cancelled') throw new ValidationError({ form: `Order ${current.number} is cancelled: it can no longer be changed. Start a new order from it instead.` });
    await refuseIfArchived(tx, orderId);
    if (reviewsWaiting(current.status).length > 0) {
      throw new ValidationError({ form: `Order ${current.number} is with its reviewers: it can be changed once they approve it or send it back.` });
    }
    const referenceErrors = await checkReferences(tx, order);
    if (Object.keys(referenceErrors).length > 0) throw new ValidationError(referenceErrors);

    const existing = await tx
      .selectFrom('line_items')
      .innerJoin('workflow_statuses', (join) => join.onRef('workflow_statuses.workflow', '=', 'line_items.workflow').onRef('workflow_statuses.key', '=', 'line_items.status'))
      .select([
        'line_items.id',
        'line_items.position',
        'line_items.status',
        'line_items.description',
        'line_items.quantity',
        'line_items.unit_price',
        'line_items.machine_id',
        'line_items.material_id',
        'line_items.fulfillment_method',
        'line_items.due_date',
        'line_items.assignee_id',
        'line_items.notes',
        'line_items.expected_work_minutes',
        'workflow_statuses.label',
        'workflow_statuses.initial',
        'workflow_statuses.fulfillment_method as statusMethod',
      ])
      .where('line_items.order_id', '=', orderId)
      .execute();
    const byId = new Map(existing.map((row) => [row.id, row]));
    const label = (position: number) => itemLabel(current.number, position, current.last_item_number);
    const itemErrors: FieldErrors = {};
    input.itemIds.forEach((id, index) => {
      if (id === null) return;
      const row = byId.get(id);
      if (!row) itemErrors[`items.${index}.description`] = 'This item does not belong to this order (any more).';
      else if (row.statusMethod !== null && row.statusMethod !== order.items[index]!.fulfillmentMethod) {
        itemErrors[`items.${index}.fulfillmentMethod`] = `Already ${row.label}: send it back to work to change how it is fulfilled.`;
      }
    });
    const kept = new Set(input.itemIds.filter((id): id is number => id !== null));
    const removed = existing.filter((row) => !kept.has(row.id));
    const waitingForApproval = await itemsWaitingStatus(tx);
    const blocked = removed.filter((row) => !row.initial && row.status !== waitingForApproval);
    if (blocked.length > 0) {
      itemErrors.items = `${blocked.map((row) => `${label(row.position)} (${row.label})`).join(', ')} cannot be removed once work has started; cancel it from its queue instead.`;
    } else if (removed.length > 0 && !input.confirmRemoval) {
      itemErrors.confirmRemoval = `Saving removes ${removed.map((row) => `${label(row.position)} “${row.description}”`).join(', ')}. Its number stays unused, so printed travelers never point at another item. Tick the box to confirm.`;
    }
    const locked = Object.keys(itemErrors).length === 0 ? await chargesLockedReason(tx, orderId, actor.roles) : undefined;
    if (locked) Object.assign(itemErrors, chargeChanges(order, input.itemIds, byId, removed.length > 0, locked));
    if (Object.keys(itemErrors).length > 0) throw new ValidationError(itemErrors);

    const names = await namesFor(tx, {
      users: [current.salesperson_id, order.salespersonId, ...existing.map((row) => row.assignee_id), ...order.items.map((item) => item.assigneeId)].filter((id): id is number => id !== null),
      customers: [current.customer_id, order.customerId],
      machines: [...existing.map((row) => row.machine_id), ...order.items.map((item) => item.machineId)].filter((id): id is number => id !== null),
      materials: [...existing.map((row) => row.material_id), ...order.items.map((item) => item.materialId)].filter((id): id is number => id !== null),
    });
    const customer = await customerOf(tx, order.customerId);

    for (const row of removed) {
      await tx.deleteFrom('line_items').where('id', '=', row.id).execute();
      const removal = { itemId: row.id, label: label(row.position), description: row.description, quantity: row.quantity };
      await moveDocumentsToOrder(tx, row.id, orderId);
      await recordEvent(tx, actor, { subjectType: 'line_item', subjectId: row.id, action: 'removed', particulars: { orderId, ...removal } });
      await recordEvent(tx, actor, { subjectType: 'order', subjectId: orderId, action: 'item-removed', particulars: removal });
      await countInStatus(tx, lineItemWorkflow, row.status, -1);
    }

    const initialStatus = await newItemStatusFor(tx, current.status);
    const touchedStatuses = new Set<string>();
    let lastItemNumber = current.last_item_number;
    const added: { id: number; position: number; description: string }[] = [];
    for (const [index, item] of order.items.entries()) {
      const id = input.itemIds[index] ?? null;
      const fields = lineItemColumns(item, current.number, order.customerId, customer);
      if (id === null) {
        lastItemNumber += 1;
        const inserted = await tx
          .insertInto('line_items')
          .values({ ...fields, position: lastItemNumber, order_id: orderId, status: initialStatus, order_number: current.number })
          .returning('id')
          .executeTakeFirstOrThrow();
        added.push({ id: inserted.id, position: lastItemNumber, description: item.description });
        continue;
      }
      const before = byId.get(id)!;
      const itemChanges = changes([
        ['Description', before.description, item.description],
        ['Quantity', String(before.quantity), String(item.quantity)],
        ['Unit price', fmt.money(before.unit_price), fmt.money(centsToMoney(item.unitPriceCents))],
        ['Machine', nameOr(names, 'machines', before.machine_id, 'none'), nameOr(names, 'machines', item.machineId, 'none')],
        ['Material', nameOr(names, 'materials', before.material_id, 'none'), nameOr(names, 'materials', item.materialId, 'none')],
        ['Fulfillment', methodLabel(before.fulfillment_method), methodLabel(item.fulfillmentMethod)],
        ['Due date', dateOrNone(before.due_date), dateOrNone(item.dueDate)],
        ['Assignee', nameOr(names, 'users', before.assignee_id, 'nobody'), nameOr(names, 'users', item.assigneeId, 'nobody')],
        ['Notes', before.notes, item.notes],
        ['Expected work', hours(before.expected_work_minutes), hours(item.expectedWorkMinutes)],
      ]);
      const customerChanged = current.customer_id !== order.customerId;
      if (itemChanges.length === 0 && !customerChanged) continue;
      // A new machine changes the item's plan too: a planner's form drawn before it is out of date.
      const replanned = before.machine_id !== item.machineId ? { plan_version: sql<number>`plan_version + 1` } : {};
      await tx.updateTable('line_items').set({ ...fields, ...replanned, version: sql<number>`version + 1` }).where('id', '=', id).execute();
      touchedStatuses.add(before.status);
      if (itemChanges.length > 0) {
        await recordEvent(tx, actor, { subjectType: 'line_item', subjectId: id, action: 'edited', particulars: { orderId, label: label(before.position), changes: itemChanges } });
      }
    }
    if (added.length > 0) {
      await countInStatus(tx, lineItemWorkflow, initialStatus, added.length);
      for (const item of added) {
        const addedLabel = itemLabel(current.number, item.position, lastItemNumber);
        await recordEvent(tx, actor, { subjectType: 'line_item', subjectId: item.id, action: 'added', particulars: { orderId, label: addedLabel } });
        await recordEvent(tx, actor, { subjectType: 'order', subjectId: orderId, action: 'item-added', particulars: { itemId: item.id, label: addedLabel, description: item.description } });
      }
    }
    await touchQueuesOfStatuses(tx, lineItemWorkflow, [...touchedStatuses]);

    const columns = orderColumns(order);
    await tx
      .updateTable('orders')
      .set({
        ...columns,
        last_item_number: lastItemNumber,
        customer_emails_muted: input.muted,
        version: sql<number>`version + 1`,
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', orderId)
      .execute();
    const orderChanges = changes([
      ['Customer', nameOr(names, 'customers', current.customer_id, 'none'), nameOr(names, 'customers', order.customerId, 'none')],
      ['Salesperson', nameOr(names, 'users', current.salesperson_id, 'nobody'), nameOr(names, 'users', order.salespersonId, 'nobody')],
      ['Due date', dateOrNone(current.due_date), dateOrNone(order.dueDate)],
      ['Notes', current.notes, order.notes],
      ['Customer emails', current.customer_emails_muted ? 'muted' : 'on', input.muted ? 'muted' : 'on'],
    ]);
    // Item edits, additions and removals are events of their own; this one is for the order's own fields.
    if (orderChanges.length > 0) {
      await recordEvent(tx, actor, {
        subjectType: 'order',
        subjectId: orderId,
        action: 'updated',
        particulars: { items: order.items.length, added: added.length, removed: removed.length, total: columns.total, muted: input.muted, changes: orderChanges },
      });
    }
    await refreshApprovedSheets(tx, actor, orderId);
  });
}

/**
 * Why this person may not change what the order charges, if they may not: its invoice is
 * final; or accounting approved its prices (and it is approved now, not back in draft), and
 * only an admin changes them after that.
 */
export async function chargesLockedReason(db: DbOrTx, orderId: number, roles: readonly string[]): Promise<string | undefined> {
  const row = await db
    .selectFrom('orders')
    .select([
      'orders.status',
      sql<string | null>`(select i.number from invoices i where i.order_id = orders.id)`.as('invoice'),
      sql<boolean>`exists (select 1 from order_reviews r where r.order_id = orders.id and r.kind = 'accounting' and r.decision = 'approved')`.as('accountingApproved'),
    ])
    .where('orders.id', '=', orderId)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.invoice) return `Invoice ${row.invoice} was issued for this order and is final: its prices, quantities and lines no longer change.`;
  if (roles.includes('admin') || !row.accountingApproved || !isPastApproval(await loadWorkflow(db, orderWorkflow), row.status)) return undefined;
  return 'Accounting approved what this order charges: only an admin changes its prices, quantities or lines now.';
}

/** What an edit would change in what the order charges (new or removed lines, prices, quantities), each refused with the reason. */
function chargeChanges(order: ValidOrder, itemIds: (number | null)[], before: Map<number, { quantity: number; unit_price: string }>, removesLines: boolean, reason: string): FieldErrors {
  const errors: FieldErrors = {};
  if (removesLines) errors.items = reason;
  order.items.forEach((item, index) => {
    const id = itemIds[index] ?? null;
    const was = id === null ? undefined : before.get(id);
    if (!was) errors[`items.${index}.description`] = reason;
    else if (was.quantity !== item.quantity) errors[`items.${index}.quantity`] = reason;
    else if (amountToCents(was.unit_price) !== item.unitPriceCents) errors[`items.${index}.unitPrice`] = reason;
  });
  return errors;
}

/** Someone saved the order while this person was editing it; their edit is shown beside the saved one. */
export class OrderConflictError extends ConflictError {
  constructor(readonly orderNumber: number) {
    super(`Order ${orderNumber} was changed by someone else while you were editing. Nothing was saved yet: the form below now holds your edit on top of their version. Check it (fields you both changed are marked), then press Save.`);
  }
}
