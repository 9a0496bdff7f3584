import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../db/database.js';
import type { TransitionEvent } from '../workflow/subjects.js';
import type { DocumentKind } from '../db/types.js';
import { freezeGeneratedDocuments, storeGeneratedDocument } from '../documents/documents.js';
import { renderPdf, type Column } from '../documents/pdf.js';
import type { Actor } from '../events/record.js';
import { fulfillmentMethods } from '../line-items/fulfillment.js';
import * as fmt from '../platform/format.js';
import { getShopSettings, plainRate, type ShopSettings } from '../settings/settings.js';
import { amountToCents, centsToMoney } from '../platform/money.js';
import { jobCode } from './traveler.js';

/** An order as its sheets print it: every line, and what prints about the shop. */
export interface SheetContent {
  shop: ShopSettings;
  order: {
    id: number;
    number: number;
    customer: string;
    company: string;
    email: string;
    phone: string;
    address: string;
    salesperson: string | null;
    dueDate: string | null;
    notes: string;
    createdAt: Date;
    lastItemNumber: number;
  };
  items: {
    label: string;
    code: string;
    description: string;
    quantity: number;
    unitPrice: string;
    amount: string;
    machine: string | null;
    material: string | null;
    fulfillment: string;
    dueDate: string | null;
    notes: string;
    expectedWorkMinutes: number | null;
    cancelled: boolean;
  }[];
}

export async function sheetContent(db: DbOrTx, orderId: number): Promise<SheetContent> {
  const [shop, order, items] = await Promise.all([
    getShopSettings(db),
    db
      .selectFrom('orders')
      .innerJoin('customers', 'customers.id', 'orders.customer_id')
      .leftJoin('users', 'users.id', 'orders.salesperson_id')
      .select([
        'orders.id',
        'orders.number',
        'customers.name as customer',
        'customers.company',
        'customers.email',
        'customers.phone',
        'customers.address',
        'users.name as salesperson',
        'orders.due_date as dueDate',
        'orders.notes',
        'orders.created_at as createdAt',
        'orders.last_item_number as lastItemNumber',
      ])
      .where('orders.id', '=', orderId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('line_items')
      .innerJoin('workflow_statuses', (join) => join.onRef('workflow_statuses.workflow', '=', 'line_items.workflow').onRef('workflow_statuses.key', '=', 'line_items.status'))
      .leftJoin('machines', 'machines.id', 'line_items.machine_id')
      .leftJoin('materials', 'materials.id', 'line_items.material_id')
      .select([
        'line_items.position',
        'line_items.description',
        'line_items.quantity',
        'line_items.unit_price as unitPrice',
        sql<string>`(line_items.quantity * line_items.unit_price)::text`.as('amount'),
        'machines.name as machine',
        'materials.name as material',
        'line_items.fulfillment_method as fulfillmentMethod',
        'line_items.due_date as dueDate',
        'line_items.notes',
        'line_items.expected_work_minutes as expectedWorkMinutes',
        'workflow_statuses.kind',
      ])
      .where('line_items.order_id', '=', orderId)
      .orderBy('line_items.position')
      .execute(),
  ]);
  return {
    shop,
    order,
    items: items.map((item) => ({
      ...item,
      unitPrice: String(item.unitPrice),
      label: fmt.itemLabel(order.number, item.position, order.lastItemNumber),
      code: jobCode(order.number, item.position),
      fulfillment: fulfillmentMethods.find((method) => method.key === item.fulfillmentMethod)?.label ?? item.fulfillmentMethod,
      cancelled: item.kind === 'cancelled',
    })),
  };
}

/** Cents of tax on a subtotal at a rate in percent ("8.250"), rounded half up, in whole-number arithmetic. */
export function taxCents(subtotalCents: number, rate: string): number {
  const thousandths = BigInt(Math.round(Number(rate) * 1000));
  const scaled = BigInt(subtotalCents) * thousandths;
  const divisor = 100_000n;
  const sign = scaled < 0n ? -1n : 1n;
  const magnitude = scaled * sign;
  return Number(sign * ((magnitude + divisor / 2n) / divisor));
}

/** The amounts a price sheet and an invoice print: the lines not cancelled, tax at the shop's rate. */
export function totalsOf(content: SheetContent) {
  const charged = content.items.filter((item) => !item.cancelled);
  const subtotal = charged.reduce((sum, item) => sum + amountToCents(item.amount), 0);
  const tax = taxCents(subtotal, content.shop.taxRate);
  return { charged, subtotal: centsToMoney(subtotal), tax: centsToMoney(tax), total: centsToMoney(subtotal + tax), totalCents: subtotal + tax };
}

const hours = (minutes: number | null) => (minutes === null ? '' : `${Math.round((minutes / 60) * 100) / 100} h`);

function customerLines(order: SheetContent['order']): [string, string][] {
  return [
    ['Customer', [order.customer, order.company].filter(Boolean).join(', ')],
    ['Contact', [order.email, order.phone].filter(Boolean).join(' · ')],
    ...(order.address ? [['Address', order.address] as [string, string]] : []),
  ];
}

/** The work sheet: for the floor, every item with its machine, material, notes and the code the kiosks scan. No prices. */
export async function workSheetPdf(content: SheetContent): Promise<Buffer> {
  const { order, items } = content;
  return renderPdf({ title: `Work sheet · order ${order.number}`, shopName: content.shop.shopName, asOf: order.createdAt }, (pdf) => {
    pdf.facts([
      ...customerLines(order),
      ['Due', fmt.date(order.dueDate)],
      ['Salesperson', order.salesperson ?? ''],
      ['Items', `${items.filter((item) => !item.cancelled).length}${items.some((item) => item.cancelled) ? ` (and ${items.filter((item) => item.cancelled).length} cancelled)` : ''}`],
    ]);
    if (order.notes) pdf.heading('Notes').paragraph(order.notes);
    pdf.heading('Items').small('Scan an item’s barcode at a kiosk to open it.');
    const rows = items.map((item) => [
      `${item.label}\n${item.code}`,
      `${item.description}${item.cancelled ? ' (cancelled)' : ''}${item.notes ? `\nNote: ${item.notes}` : ''}`,
      String(item.quantity),
      item.machine ?? '',
      item.material ?? '',
      `${item.fulfillment}\ndue ${fmt.date(item.dueDate)}`,
      hours(item.expectedWorkMinutes),
    ]);
    pdf.table(
      [
        { header: 'Item / code', width: 70 },
        { header: 'Description and notes', width: 160 },
        { header: 'Qty', width: 32, align: 'right' },
        { header: 'Machine', width: 66 },
        { header: 'Material', width: 66 },
        { header: 'Fulfillment', width: 62 },
        { header: 'Expected', width: 60, align: 'right' },
      ],
      rows,
      { rowExtra: (index, x, y) => pdf.barcode(items[index]!.code, x - 10, y) },
    );
  });
}

/** The columns of priced lines, on the price sheet and the invoice alike. */
export const priceColumns: Column[] = [
  { header: 'Item', width: 70 },
  { header: 'Description', width: 216 },
  { header: 'Qty', width: 40, align: 'right' },
  { header: 'Unit price', width: 90, align: 'right' },
  { header: 'Amount', width: 100, align: 'right' },
];

/** The price sheet: for accounting, every line with its price, the totals with tax, and the payment terms. */
export async function priceSheetPdf(content: SheetContent): Promise<Buffer> {
  const { order, items, shop } = content;
  const totals = totalsOf(content);
  return renderPdf({ title: `Price sheet · order ${order.number}`, shopName: shop.shopName, asOf: order.createdAt }, (pdf) => {
    pdf.facts([...customerLines(order), ['Salesperson', order.salesperson ?? ''], ['Due', fmt.date(order.dueDate)]]);
    pdf.heading('Lines');
    pdf.table(
      priceColumns,
      items.map((item) => [item.label, `${item.description}${item.cancelled ? ' (cancelled: not charged)' : ''}`, String(item.quantity), fmt.money(item.unitPrice), item.cancelled ? '—' : fmt.money(item.amount)]),
    );
    pdf.totals([
      ['Subtotal', fmt.money(totals.subtotal)],
      [`${shop.taxLabel} (${plainRate(shop.taxRate)} %)`, fmt.money(totals.tax)],
      ['Total', fmt.money(totals.total), true],
    ]);
    if (shop.paymentTerms) pdf.heading('Payment terms').paragraph(shop.paymentTerms);
  });
}

/** What each sheet prints, and nothing else: a change to anything else draws neither again. */
// The order's creation date is only the PDF's metadata (see renderPdf): not what a sheet prints.
function workSheetPrints({ shop, order, items }: SheetContent) {
  const { id: _id, lastItemNumber: _last, createdAt: _created, ...printed } = order;
  return { shopName: shop.shopName, order: printed, items: items.map(({ unitPrice: _price, amount: _amount, ...item }) => item) };
}

function priceSheetPrints({ shop, order, items }: SheetContent) {
  const { id: _id, lastItemNumber: _last, createdAt: _created, notes: _notes, ...printed } = order;
  return {
    shop: { shopName: shop.shopName, taxLabel: shop.taxLabel, taxRate: shop.taxRate, paymentTerms: shop.paymentTerms },
    order: printed,
    items: items.map((item) => ({ label: item.label, description: item.description, quantity: item.quantity, unitPrice: item.unitPrice, amount: item.amount, cancelled: item.cancelled })),
  };
}

const sheets: { kind: Exclude<DocumentKind, 'upload'>; title: string; prints: (content: SheetContent) => unknown; draw: (content: SheetContent) => Promise<Buffer> }[] = [
  { kind: 'work-sheet', title: 'Work sheet', prints: workSheetPrints, draw: workSheetPdf },
  { kind: 'price-sheet', title: 'Price sheet', prints: priceSheetPrints, draw: priceSheetPdf },
];

/**
 * Draws the order's work sheet and price sheet as they are now and attaches them: a new
 * version of each that changed, nothing for one that did not (and no drawing at all when the
 * order did not change in anything the sheets print). Staff only; sharing one with the
 * customer is a choice made on the order page.
 */
export async function refreshOrderSheets(tx: DbOrTx, actor: Actor, orderId: number): Promise<void> {
  const content = await sheetContent(tx, orderId);
  for (const sheet of sheets) {
    await storeGeneratedDocument(tx, actor, { type: 'order', id: orderId }, sheet.kind, {
      title: sheet.title,
      fileName: `order-${content.order.number}-${sheet.kind}.pdf`,
      sourceHash: createHash('sha256').update(JSON.stringify(sheet.prints(content))).digest('hex'),
      draw: () => sheet.draw(content),
    });
  }
}

/**
 * At approval: the sheets the reviewers were given (drawn at submission) are the approved
 * ones. An order approved without reviewers (entered with approval off, or from before sheets
 * existed) has its sheets drawn now. A later change makes a new version beside them.
 */
export async function approveOrderSheets(tx: DbOrTx, actor: Actor, orderId: number): Promise<void> {
  const drawn = await tx.selectFrom('documents').select('id').where('owner_type', '=', 'order').where('owner_id', '=', orderId).where('kind', 'in', sheets.map((sheet) => sheet.kind)).execute();
  if (drawn.length < sheets.length) await refreshOrderSheets(tx, actor, orderId);
  await freezeGeneratedDocuments(tx, { type: 'order', id: orderId }, sheets.map((sheet) => sheet.kind));
  // An item cancelled while the order was with its reviewers: a version beside the approved one says so.
  await refreshOrderSheets(tx, actor, orderId);
}

/** After an approved order changes (an edit, an item cancelled or reopened): new versions of its sheets, the approved ones kept. */
export async function refreshApprovedSheets(tx: DbOrTx, actor: Actor, orderId: number): Promise<void> {
  const frozen = await tx.selectFrom('documents').select('id').where('owner_type', '=', 'order').where('owner_id', '=', orderId).where('kind', '=', 'work-sheet').where('frozen_at', 'is not', null).executeTakeFirst();
  if (frozen) await refreshOrderSheets(tx, actor, orderId);
}

/** An item cancelled, or taken out of Cancelled: what the order charges changed, so do its sheets. */
export async function sheetsFollowCancellations(tx: Tx, event: TransitionEvent): Promise<void> {
  if ((event.from.kind === 'cancelled') === (event.to.kind === 'cancelled')) return;
  const { orderId } = event.row as unknown as { orderId: number };
  // Cancelling the whole order cancels its items one by one; it draws the sheets once, after the last.
  const order = await tx
    .selectFrom('orders')
    .innerJoin('workflow_statuses', (join) => join.onRef('workflow_statuses.workflow', '=', 'orders.workflow').onRef('workflow_statuses.key', '=', 'orders.status'))
    .select('workflow_statuses.kind')
    .where('orders.id', '=', orderId)
    .executeTakeFirst();
  if (order && order.kind !== 'cancelled') await refreshApprovedSheets(tx, event.actor, orderId);
}
