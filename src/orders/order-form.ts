import { formList, formText } from '../platform/forms.js';
import { orderForm, orderItemForm, type ItemInput, type OrderInput } from './orders.js';

/** Each item field repeats once per row under this prefix ("item_description"). */
export const itemPrefix = 'item_';

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
  /** The order as the form was opened on (baseOf), carried by the form for merging after a conflict. */
  base?: string;
  /** A new order started from a previous one: that order's id. */
  copiedFrom?: string;
}

export function blankItemRow(defaults: Partial<ItemRow> = {}): ItemRow {
  return { itemId: '', number: '', description: '', quantity: '1', unitPrice: '', machineId: '', materialId: '', fulfillmentMethod: 'pickup', dueDate: '', assigneeId: '', notes: '', expectedHours: '', ...defaults };
}

function isBlank(row: ItemRow): boolean {
  return row.itemId === '' && row.description === '' && row.unitPrice === '' && row.machineId === '' && row.materialId === '';
}

/**
 * Reads the order form: item fields repeat once per row, in row order. What the form's
 * buttons asked for comes back too: save, add a row, remove row n, or show the form again with
 * fresh choices (a customer added in another tab).
 */
export function readOrderForm(body: unknown): { form: OrderForm; action: { kind: 'save' } | { kind: 'add' } | { kind: 'refresh' } | { kind: 'remove'; index: number } } {
  const itemIds = formList(body, `${itemPrefix}itemId`);
  const numbers = formList(body, `${itemPrefix}number`);
  const items: ItemRow[] = orderItemForm.readRepeated(body, itemPrefix).map((row, index) => ({ ...row, itemId: itemIds[index]?.trim() ?? '', number: numbers[index]?.trim() ?? '' }));
  const form: OrderForm = {
    ...orderForm.read(body),
    version: formText(body, 'version'),
    confirmRemoval: formText(body, 'confirmRemoval') === '1',
    base: formText(body, 'base'),
    copiedFrom: formText(body, 'copiedFrom'),
    items,
  };
  const button = formText(body, 'action');
  const remove = /^remove:(\d+)$/.exec(button);
  if (button === 'add') return { form, action: { kind: 'add' } };
  if (button === 'refresh') return { form, action: { kind: 'refresh' } };
  if (remove) return { form, action: { kind: 'remove', index: Number(remove[1]) } };
  return { form, action: { kind: 'save' } };
}

/**
 * A new order's form from a previous order: its customer, salesperson, notes and lines as they
 * are, without their dates (a repeat order is due when the new one is) or who was assigned.
 */
export function formFromPrevious(previous: OrderForm, orderId: number): OrderForm {
  return {
    ...previous,
    dueDate: '',
    version: '',
    base: undefined,
    confirmRemoval: false,
    muted: false,
    copiedFrom: String(orderId),
    items: previous.items.map((item) => ({ ...item, itemId: '', number: '', dueDate: '', assigneeId: '' })),
  };
}

/** The rows to save: blank new rows (the spare ones the form offers) are left out. */
export function filledRows(form: OrderForm): ItemRow[] {
  return form.items.filter((row) => !isBlank(row));
}

const comparedHeaderFields = ['customerId', 'salespersonId', 'dueDate', 'notes'] as const;
const comparedItemFields = ['description', 'quantity', 'unitPrice', 'machineId', 'materialId', 'fulfillmentMethod', 'dueDate', 'assigneeId', 'notes', 'expectedHours'] as const;

/** The order as the form was opened on: what an edit is compared with when someone else saved meanwhile. */
interface BaseSnapshot {
  header: Record<(typeof comparedHeaderFields)[number], string>;
  muted: boolean;
  items: Pick<ItemRow, 'itemId' | (typeof comparedItemFields)[number]>[];
}

/** The snapshot the form carries (a hidden field), written when the form is filled from the saved order. */
export function baseOf(form: OrderForm): string {
  const snapshot: BaseSnapshot = {
    header: Object.fromEntries(comparedHeaderFields.map((field) => [field, form[field]])) as BaseSnapshot['header'],
    muted: form.muted,
    items: form.items.map((row) => Object.fromEntries((['itemId', ...comparedItemFields] as const).map((field) => [field, row[field] ?? ''])) as BaseSnapshot['items'][number]),
  };
  return Buffer.from(JSON.stringify(snapshot)).toString('base64url');
}

/** The carried snapshot, if it is one: it comes back from the browser, so anything else counts as none. */
function readBase(encoded: string | undefined): BaseSnapshot | undefined {
  if (!encoded) return undefined;
  try {
    const snapshot = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as BaseSnapshot;
    const strings = (value: object) => Object.values(value).every((v) => typeof v === 'string');
    if (typeof snapshot.muted !== 'boolean' || !strings(snapshot.header) || !Array.isArray(snapshot.items) || !snapshot.items.every((row) => row && strings(row))) return undefined;
    return snapshot;
  } catch {
    return undefined;
  }
}

/** The same amount spelled differently ("1,250.5" and "1250.50") is no difference. */
function sameValue(field: string, a: string, b: string): boolean {
  if (field === 'unitPrice' || field === 'expectedHours') return Number(a.replace(/[$,\s]/g, '') || 0) === Number(b.replace(/[$,\s]/g, '') || 0);
  return a.trim() === b.trim();
}

export interface ConflictMerge {
  form: OrderForm;
  /** Fields ("dueDate", "items.2.quantity") both people changed differently, with the saved value: this person decides. */
  differences: Record<string, string>;
  /** What the merge did on its own: their changes taken, items they removed or added. */
  notes: string[];
}

/**
 * After someone else saved the order first: this person's edit, rebuilt on the saved version.
 * Compared with the order as this person's form was opened (the carried snapshot), a field only
 * they changed takes their value, a field only this person changed keeps theirs, and a field both
 * changed keeps this person's value and is marked with the saved one, so saving again is a choice
 * made knowing both. Items the other person removed leave the form; items they added join it.
 */
export function mergeAfterConflict(yours: OrderForm, theirs: OrderForm): ConflictMerge {
  const base = readBase(yours.base);
  const differences: Record<string, string> = {};
  let taken = 0;
  const decide = (field: string, key: string, mine: string, saved: string, original: string | undefined): string => {
    if (sameValue(field, mine, saved)) return mine;
    if (original !== undefined && sameValue(field, mine, original)) {
      taken += 1;
      return saved;
    }
    if (original === undefined || !sameValue(field, saved, original)) differences[key] = saved;
    return mine;
  };

  const merged: OrderForm = { ...yours, items: [], version: theirs.version, base: theirs.base, confirmRemoval: false };
  for (const field of comparedHeaderFields) merged[field] = decide(field, field, yours[field], theirs[field], base?.header[field]);
  if (yours.muted !== theirs.muted) {
    if (base && yours.muted === base.muted) merged.muted = theirs.muted;
    else if (!base || theirs.muted !== base.muted) differences.muted = theirs.muted ? 'muted' : 'on';
  }

  const notes: string[] = [];
  const saved = new Map(theirs.items.map((row) => [row.itemId, row]));
  const originals = new Map((base?.items ?? []).map((row) => [row.itemId, row]));
  for (const row of yours.items) {
    if (row.itemId === '') {
      merged.items.push(row);
      continue;
    }
    const theirRow = saved.get(row.itemId);
    if (!theirRow) {
      notes.push(`Item ${row.number || row.description} was removed by them, so it is no longer in your form.`);
      continue;
    }
    const index = merged.items.length;
    const original = originals.get(row.itemId);
    const next: ItemRow = { ...row };
    for (const field of comparedItemFields) next[field] = decide(field, `items.${index}.${field}`, row[field] ?? '', theirRow[field] ?? '', original?.[field]);
    merged.items.push(next);
  }
  const inYourForm = new Set(yours.items.map((row) => row.itemId));
  const highestSeen = Math.max(0, ...yours.items.map((row) => Number(row.number) || 0));
  for (const theirRow of theirs.items) {
    if (inYourForm.has(theirRow.itemId)) continue;
    // In the order when this person opened it: they left it out of their form on purpose.
    if (base ? originals.has(theirRow.itemId) : Number(theirRow.number) <= highestSeen) continue;
    notes.push(`They added item ${theirRow.number} “${theirRow.description}”; it is now in your form too.`);
    merged.items.push(theirRow);
  }
  if (taken > 0) notes.unshift(`${taken} ${taken === 1 ? 'change' : 'changes'} of theirs to fields you had not touched ${taken === 1 ? 'is' : 'are'} now in your form.`);
  return { form: merged, differences, notes };
}
