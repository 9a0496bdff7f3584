import { sql } from 'kysely';
import { refuseIfArchived } from '../archive/archived.js';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { InvoiceLine } from '../db/types.js';
import { storeGeneratedDocument } from '../documents/documents.js';
import { renderPdf } from '../documents/pdf.js';
import { recordEvent, type Actor } from '../events/record.js';
import { isPastApproval } from '../orders/approval.js';
import { approveOrderSheets, priceColumns, refreshApprovedSheets, sheetContent, taxCents, totalsOf, type SheetContent } from '../orders/sheets.js';
import { orderWorkflow } from '../orders/subject.js';
import { loadWorkflow } from '../workflow/definition.js';
import { HttpError } from '../platform/errors.js';
import * as fmt from '../platform/format.js';
import { amountToCents, centsToMoney, largestAmountCents } from '../platform/money.js';
import { plainRate, type ShopSettings } from '../settings/settings.js';

export interface Invoice {
  id: number;
  number: string;
  issuedOn: string;
  lines: InvoiceLine[];
  subtotal: string;
  taxLabel: string;
  taxRate: string;
  tax: string;
  total: string;
  paymentTerms: string;
  documentId: number;
  issuedBy: string | null;
  issuedAt: Date;
}

/** An invoice as pages show it, with who issued it (amounts as text, also inside JSON). */
export function invoiceRows(db: DbOrTx) {
  return db
    .selectFrom('invoices')
    .leftJoin('users', 'users.id', 'invoices.issued_by')
    .select([
      'invoices.id',
      'invoices.number',
      'invoices.issued_on as issuedOn',
      'invoices.lines',
      sql<string>`invoices.subtotal::text`.as('subtotal'),
      'invoices.tax_label as taxLabel',
      sql<string>`invoices.tax_rate::text`.as('taxRate'),
      sql<string>`invoices.tax::text`.as('tax'),
      sql<string>`invoices.total::text`.as('total'),
      'invoices.payment_terms as paymentTerms',
      'invoices.document_id as documentId',
      'users.name as issuedBy',
      'invoices.issued_at as issuedAt',
    ]);
}

export async function invoiceOf(db: DbOrTx, orderId: number): Promise<Invoice | undefined> {
  return invoiceRows(db).where('invoices.order_id', '=', orderId).executeTakeFirst();
}

/** What the invoice would say if issued now, from the order's lines as loaded and the shop's tax. */
export function invoicePreview(items: readonly { amount: string; cancelled: boolean }[], shop: Pick<ShopSettings, 'taxRate' | 'taxLabel'>) {
  const charged = items.filter((item) => !item.cancelled);
  const subtotal = charged.reduce((sum, item) => sum + amountToCents(item.amount), 0);
  const tax = taxCents(subtotal, shop.taxRate);
  return { lines: charged.length, subtotal: centsToMoney(subtotal), taxLabel: shop.taxLabel, taxRate: plainRate(shop.taxRate), tax: centsToMoney(tax), total: centsToMoney(subtotal + tax) };
}

async function nextInvoiceNumber(tx: DbOrTx): Promise<string> {
  // The counter row's lock is held to the end of the issuing transaction: concurrent issues queue here.
  const row = await tx
    .updateTable('invoice_numbering')
    .set({ next_number: sql<number>`next_number + 1` })
    .returning(['prefix', sql<number>`next_number - 1`.as('number')])
    .executeTakeFirstOrThrow();
  return `${row.prefix}${row.number}`;
}

/**
 * Issues the order's invoice from its approved price sheet, as the order charges now: the next
 * number, the lines not cancelled, tax at the shop's rate, and a PDF kept with the order's
 * documents. An order has one invoice; issuing it again (a second click, a second accountant)
 * returns the one already issued.
 */
export async function issueInvoice(db: Db, actor: Actor, orderId: number): Promise<{ invoice: Invoice; created: boolean }> {
  return inTransaction(db, async (tx) => {
    const order = await tx
      .selectFrom('orders')
      .innerJoin('workflow_statuses', (join) => join.onRef('workflow_statuses.workflow', '=', 'orders.workflow').onRef('workflow_statuses.key', '=', 'orders.status'))
      .select(['orders.id', 'orders.number', 'orders.status', 'workflow_statuses.kind', 'workflow_statuses.label'])
      .where('orders.id', '=', orderId)
      .forUpdate('orders')
      .executeTakeFirst();
    if (!order) throw new HttpError(404, 'There is no such order.');
    const existing = await invoiceOf(tx, orderId);
    if (!existing) await refuseIfArchived(tx, orderId);
    if (existing) return { invoice: existing, created: false };
    if (order.kind === 'cancelled') throw new HttpError(422, `Order ${order.number} is cancelled: there is nothing to invoice.`);
    if (!isPastApproval(await loadWorkflow(tx, orderWorkflow), order.status)) throw new HttpError(422, `Order ${order.number} is “${order.label}”: it is invoiced once it is approved.`);
    // An order approved before sheets existed gets its approved sheets now; since approval,
    // items may have been cancelled: the price sheet is drawn as the invoice will charge.
    await approveOrderSheets(tx, actor, orderId);
    await refreshApprovedSheets(tx, actor, orderId);
    const priceSheet = await tx.selectFrom('documents').select('latest_version as version').where('owner_type', '=', 'order').where('owner_id', '=', orderId).where('kind', '=', 'price-sheet').executeTakeFirstOrThrow();
    const content = await sheetContent(tx, orderId);
    const totals = totalsOf(content);
    if (totals.charged.length === 0) throw new HttpError(422, `Every item of order ${order.number} is cancelled: there is nothing to invoice.`);
    if (totals.totalCents > largestAmountCents) throw new HttpError(422, `Order ${order.number} comes to ${fmt.money(totals.total)}, more than one invoice can hold (${fmt.money(centsToMoney(largestAmountCents))}). Split it into several orders.`);

    const number = await nextInvoiceNumber(tx);
    const issuedOn = fmt.today();
    const lines: InvoiceLine[] = totals.charged.map((item) => ({ label: item.label, description: item.description, quantity: item.quantity, unitPrice: item.unitPrice, amount: item.amount }));
    const paid = await tx.selectFrom('payments').select(sql<string>`coalesce(sum(amount), 0)::text`.as('paid')).where('order_id', '=', orderId).executeTakeFirstOrThrow();
    const figures = { number, issuedOn, lines, ...totals, paid: paid.paid };
    const document = await storeGeneratedDocument(tx, actor, { type: 'order', id: orderId }, 'invoice', {
      title: `Invoice ${number}`,
      fileName: `invoice-${number}.pdf`,
      sourceHash: number,
      draw: () => invoicePdf(content, figures),
    });
    await tx
      .insertInto('invoices')
      .values({
        order_id: orderId,
        number,
        issued_on: issuedOn,
        lines: JSON.stringify(lines),
        subtotal: totals.subtotal,
        tax_label: content.shop.taxLabel,
        tax_rate: content.shop.taxRate,
        tax: totals.tax,
        total: totals.total,
        payment_terms: content.shop.paymentTerms,
        price_sheet_version: priceSheet.version,
        document_id: document.documentId,
        issued_by: actor.userId,
      })
      .execute();
    await recordEvent(tx, actor, { subjectType: 'order', subjectId: orderId, action: 'invoice-issued', particulars: { number, total: totals.total, priceSheetVersion: priceSheet.version } });
    return { invoice: (await invoiceOf(tx, orderId))!, created: true };
  });
}

interface InvoiceFigures {
  number: string;
  issuedOn: string;
  lines: InvoiceLine[];
  subtotal: string;
  tax: string;
  total: string;
  paid: string;
}

async function invoicePdf(content: SheetContent, invoice: InvoiceFigures): Promise<Buffer> {
  const { order, shop } = content;
  const due = centsToMoney(amountToCents(invoice.total) - amountToCents(invoice.paid));
  return renderPdf({ title: `Invoice ${invoice.number}`, shopName: shop.shopName, asOf: new Date(`${invoice.issuedOn}T12:00:00Z`) }, (pdf) => {
    pdf.facts([
      ['Invoice date', fmt.date(invoice.issuedOn)],
      ['Order', String(order.number)],
      ['Bill to', [order.customer, order.company].filter(Boolean).join(', ')],
      ...(order.address ? [['Address', order.address] as [string, string]] : []),
      ['Contact', [order.email, order.phone].filter(Boolean).join(' · ')],
    ]);
    pdf.heading('Lines');
    pdf.table(
      priceColumns,
      invoice.lines.map((line) => [line.label, line.description, String(line.quantity), fmt.money(line.unitPrice), fmt.money(line.amount)]),
    );
    pdf.totals([
      ['Subtotal', fmt.money(invoice.subtotal)],
      [`${shop.taxLabel} (${plainRate(shop.taxRate)} %)`, fmt.money(invoice.tax)],
      ['Total', fmt.money(invoice.total), true],
      ...(Number(invoice.paid) !== 0 ? ([['Received so far', fmt.money(invoice.paid)], ['Balance due', fmt.money(due), true]] as [string, string, boolean?][]) : []),
    ]);
    if (shop.paymentTerms) pdf.heading('Payment terms').paragraph(shop.paymentTerms);
  });
}
