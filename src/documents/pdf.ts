import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import { code39Bars } from '../platform/code39.js';

/**
 * Generated documents (work sheets, price sheets, invoices) are drawn with PDFKit, a library
 * that needs no browser on the server. DejaVu Sans is embedded (only the characters used) so
 * any customer's name prints as typed, not only the Latin-1 the PDF standard fonts carry.
 */
const fontFolder = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
let fonts: { regular: Buffer; bold: Buffer } | undefined;
function loadFonts() {
  fonts ??= { regular: readFileSync(join(fontFolder, 'DejaVuSans.ttf')), bold: readFileSync(join(fontFolder, 'DejaVuSans-Bold.ttf')) };
  return fonts;
}

export interface PdfHeader {
  /** "Work sheet", "Invoice INV-1001": the document's title, on every page. */
  title: string;
  /** The shop's name, printed above the title. */
  shopName: string;
  /**
   * The PDF's creation date: a fixed moment of what it describes (an order's creation), not the
   * time of drawing, so the same content drawn twice gives the same bytes and no needless new
   * version. For the same reason a sheet prints nothing that changes without its content (no
   * statuses, no "printed at").
   */
  asOf: Date;
}

export interface Column {
  header: string;
  width: number;
  align?: 'left' | 'right';
}

const margin = 48;
const gray = '#555555';

/** A page being drawn: the few layouts Traveler's documents need, with page breaks handled. */
export class PdfWriter {
  constructor(readonly doc: PDFKit.PDFDocument) {}

  get contentWidth(): number {
    return this.doc.page.width - margin * 2;
  }

  private roomFor(height: number): void {
    if (this.doc.y + height > this.doc.page.height - margin - 20) this.doc.addPage();
  }

  heading(text: string): this {
    this.roomFor(40);
    this.doc.moveDown(0.6).font('bold').fontSize(12).fillColor('black').text(text, margin).moveDown(0.3);
    return this;
  }

  /** "Label: value" rows, two columns wide. */
  facts(rows: [string, string][]): this {
    this.doc.fontSize(10);
    for (const [label, value] of rows) {
      this.roomFor(14);
      const y = this.doc.y;
      this.doc.font('bold').fillColor(gray).text(label, margin, y, { width: 110 });
      const labelBottom = this.doc.y;
      this.doc.font('regular').fillColor('black').text(value || '—', margin + 115, y, { width: this.contentWidth - 115 });
      this.doc.y = Math.max(labelBottom, this.doc.y);
    }
    this.doc.x = margin;
    return this;
  }

  paragraph(text: string): this {
    this.roomFor(14);
    this.doc.font('regular').fontSize(10).fillColor('black').text(text, margin, this.doc.y, { width: this.contentWidth });
    return this;
  }

  small(text: string): this {
    this.roomFor(12);
    this.doc.font('regular').fontSize(8).fillColor(gray).text(text, margin, this.doc.y, { width: this.contentWidth }).fillColor('black');
    return this;
  }

  /** A table whose header repeats on each page it runs onto; a row never splits across pages. */
  table(columns: Column[], rows: string[][], options: { rowExtra?: (index: number, x: number, y: number) => number } = {}): this {
    const drawHeader = () => {
      const y = this.doc.y;
      let x = margin;
      this.doc.font('bold').fontSize(9).fillColor(gray);
      for (const column of columns) {
        this.doc.text(column.header, x + 2, y, { width: column.width - 4, align: column.align ?? 'left' });
        x += column.width;
      }
      this.doc.y = y + 14;
      this.doc.moveTo(margin, this.doc.y - 2).lineTo(margin + this.contentWidth, this.doc.y - 2).strokeColor('#999999').lineWidth(0.5).stroke();
      this.doc.fillColor('black');
    };
    this.roomFor(40);
    drawHeader();
    // A row taller than a page would run on under the next page's header: long text is cut short with an ellipsis.
    const tallestCell = this.doc.page.height - margin * 2 - 120;
    rows.forEach((cells, index) => {
      this.doc.font('regular').fontSize(9);
      const heights = cells.map((cell, i) => Math.min(tallestCell, this.doc.heightOfString(cell || '—', { width: columns[i]!.width - 4 })));
      const extra = options.rowExtra ? 34 : 0;
      const height = Math.max(...heights) + extra + 6;
      if (this.doc.y + height > this.doc.page.height - margin - 20) {
        this.doc.addPage();
        drawHeader();
      }
      const y = this.doc.y + 2;
      let x = margin;
      cells.forEach((cell, i) => {
        const column = columns[i]!;
        this.doc.font('regular').fontSize(9).text(cell || '—', x + 2, y, { width: column.width - 4, align: column.align ?? 'left', height: tallestCell, ellipsis: true });
        x += column.width;
      });
      if (options.rowExtra) options.rowExtra(index, margin + 2, y + Math.max(...heights) + 2);
      this.doc.y = y + height - 2;
      this.doc.moveTo(margin, this.doc.y).lineTo(margin + this.contentWidth, this.doc.y).strokeColor('#dddddd').lineWidth(0.5).stroke();
    });
    this.doc.x = margin;
    this.doc.moveDown(0.3);
    return this;
  }

  /** Right-aligned "label  amount" rows under a table: subtotal, tax, total. */
  totals(rows: [string, string, boolean?][]): this {
    for (const [label, amount, strong] of rows) {
      this.roomFor(16);
      const y = this.doc.y;
      this.doc.font(strong ? 'bold' : 'regular').fontSize(strong ? 11 : 10);
      this.doc.text(label, margin, y, { width: this.contentWidth - 110, align: 'right' });
      this.doc.text(amount, margin + this.contentWidth - 100, y, { width: 100, align: 'right' });
      this.doc.moveDown(0.2);
    }
    this.doc.x = margin;
    return this;
  }

  /** A Code 39 barcode (what the kiosks scan) at x, y; returns its height. */
  barcode(text: string, x: number, y: number, height = 22): number {
    const unit = 0.6;
    for (const bar of code39Bars(text).bars) this.doc.rect(x + bar.x * unit, y, bar.width * unit, height).fill('black');
    return height;
  }
}

/** Draws a document and returns its bytes. */
export async function renderPdf(header: PdfHeader, draw: (writer: PdfWriter) => void): Promise<Buffer> {
  const { regular, bold } = loadFonts();
  const doc = new PDFDocument({
    size: 'LETTER',
    margin,
    bufferPages: true,
    info: { Title: header.title, Author: header.shopName, Creator: 'Traveler', Producer: 'Traveler', CreationDate: header.asOf, ModDate: header.asOf },
  });
  const chunks: Buffer[] = [];
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', regular);
  doc.registerFont('bold', bold);
  doc.font('regular').fontSize(9).fillColor(gray).text(header.shopName, margin, margin);
  doc.font('bold').fontSize(18).fillColor('black').text(header.title, margin, doc.y + 2);
  doc.moveDown(0.4);
  draw(new PdfWriter(doc));
  const range = doc.bufferedPageRange();
  for (let index = 0; index < range.count; index++) {
    doc.switchToPage(range.start + index);
    const bottom = doc.page.height - margin + 10;
    // Drawing below the bottom margin would start a new page; lift the margin for the footer.
    doc.page.margins.bottom = 0;
    doc.font('regular').fontSize(8).fillColor(gray).text(`${header.title} · page ${index + 1} of ${range.count}`, margin, bottom, { width: doc.page.width - margin * 2, align: 'center', lineBreak: false });
  }
  doc.end();
  return finished;
}
