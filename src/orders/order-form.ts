import { formList, formText } from '../platform/forms.js';
import type { ItemInput, OrderInput } from './orders.js';

const itemFields = ['itemId', 'number', 'description', 'quantity', 'unitPrice', 'machineId', 'materialId', 'fulfillmentMethod', 'dueDate', 'assigneeId', 'notes', 'expectedHours'] as const;

export interface ItemRow extends ItemInput {
  /** Empty for a new row; the line item's id when editing. */
  itemId: string;
  /** The item's number in its order, shown on the form only (new rows get theirs when saved). */
  number?: string;
}

export interface OrderForm extends Omit<OrderInput, 'items'> {
  items: ItemRow[];
  version: string;
  muted: boolean;
  /** Ticked when saving is to remove the existing items left out of the form. */
  confirmRemoval: boolean;
}

export function blankItemRow(defaults: Partial<ItemRow> = {}): ItemRow {
  return { itemId: '', number: '', description: '', quantity: '1', unitPrice: '', machineId: '', materialId: '', fulfillmentMethod: 'pickup', dueDate: '', assigneeId: '', notes: '', expectedHours: '', ...defaults };
}

function isBlank(row: ItemRow): boolean {
  return row.itemId === '' && row.description === '' && row.unitPrice === '' && row.machineId === '' && row.materialId === '';
}

/**
 * Reads the order form: item fields repeat once per row, in row order. What the form's
 * buttons asked for comes back too: save, add a row, or remove row n.
 */
export function readOrderForm(body: unknown): { form: OrderForm; action: { kind: 'save' } | { kind: 'add' } | { kind: 'remove'; index: number } } {
  const columns = Object.fromEntries(itemFields.map((field) => [field, formList(body, `item_${field}`).map((v) => v.trim())])) as Record<(typeof itemFields)[number], string[]>;
  const rowCount = columns.description.length;
  const items: ItemRow[] = Array.from({ length: rowCount }, (_, index) =>
    Object.fromEntries(itemFields.map((field) => [field, columns[field][index] ?? ''])) as unknown as ItemRow,
  );
  const form: OrderForm = {
    customerId: formText(body, 'customerId'),
    salespersonId: formText(body, 'salespersonId'),
    dueDate: formText(body, 'dueDate'),
    notes: formText(body, 'notes'),
    version: formText(body, 'version'),
    muted: formText(body, 'muted') === '1',
    confirmRemoval: formText(body, 'confirmRemoval') === '1',
    items,
  };
  const button = formText(body, 'action');
  const remove = /^remove:(\d+)$/.exec(button);
  if (button === 'add') return { form, action: { kind: 'add' } };
  if (remove) return { form, action: { kind: 'remove', index: Number(remove[1]) } };
  return { form, action: { kind: 'save' } };
}

/** The rows to save: blank new rows (the spare ones the form offers) are left out. */
export function filledRows(form: OrderForm): ItemRow[] {
  return form.items.filter((row) => !isBlank(row));
}
