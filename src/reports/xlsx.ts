import { PassThrough, type Readable } from 'node:stream';
import archiver from 'archiver';
import type { ReportCell, ReportTable } from './table.js';

/*
 * An XLSX file is a zip of a few XML parts. The sheet's part is written row by row into the zip
 * (archiver, which deflates as it goes and waits when the reader is slow), so memory stays flat
 * at a million rows. exceljs's streaming writer was measured first: it holds the whole sheet in
 * memory until the end (700 MB for a million rows; exceljs issues 1894, 2916).
 */

const contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`;

const packageRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`;

const workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`;

/** Style 0: plain; 1: bold (the header); 2: a date and time; 3: a date. */
const styles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`;

function workbook(sheetName: string): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="${xmlText(sheetName.slice(0, 31).replace(/[[\]:*?/\\]/g, ' '))}" sheetId="1" r:id="rId1"/></sheets></workbook>`;
}

// Characters XML 1.0 cannot hold at all (control characters other than tab and line breaks).
// eslint-disable-next-line no-control-regex
const notInXml = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function xmlText(value: string): string {
  return value.replace(notInXml, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

const excelEpochDays = 25569;
const localDateTime = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}))?$/;

/** Days since 1899-12-30 (a spreadsheet's date), for wall-clock text like "2026-11-26 14:03" or "2026-11-26". */
export function serialDay(text: string): number | undefined {
  const parts = localDateTime.exec(text);
  if (!parts) return undefined;
  const [, year, month, day, hour, minute] = parts;
  const ms = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour ?? 0), Number(minute ?? 0));
  return Number.isNaN(ms) ? undefined : ms / 86_400_000 + excelEpochDays;
}

/** One sheet, header row bold and frozen; text as inline strings (a spreadsheet never runs them as formulas). */
export function xlsxStream(table: ReportTable): Readable {
  const zip = archiver('zip', { zlib: { level: 4 } });
  const sheet = new PassThrough();
  const columns = table.columns.map((_column, index) => columnName(index));
  const cell = (column: string, row: number, value: ReportCell): string => {
    if (value === null || value === '') return '';
    const ref = `${column}${row}`;
    if (typeof value === 'number') return Number.isFinite(value) ? `<c r="${ref}"><v>${value}</v></c>` : '';
    const first = value.charCodeAt(0);
    const serial = (value.length === 10 || value.length === 16) && first >= 48 && first <= 57 ? serialDay(value) : undefined;
    if (serial !== undefined) return `<c r="${ref}" s="${value.length === 10 ? 3 : 2}"><v>${serial}</v></c>`;
    return `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${xmlText(value)}</t></is></c>`;
  };
  zip.append(contentTypes, { name: '[Content_Types].xml' });
  zip.append(packageRels, { name: '_rels/.rels' });
  zip.append(workbook(table.sheetName), { name: 'xl/workbook.xml' });
  zip.append(workbookRels, { name: 'xl/_rels/workbook.xml.rels' });
  zip.append(styles, { name: 'xl/styles.xml' });
  zip.append(sheet, { name: 'xl/worksheets/sheet1.xml' });
  void zip.finalize().catch(() => undefined);
  void (async () => {
    try {
      const widths = table.columns.map((column, index) => `<col min="${index + 1}" max="${index + 1}" width="${column.width}" customWidth="1"/>`).join('');
      sheet.write(
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><cols>${widths}</cols><sheetData>`,
      );
      sheet.write(`<row r="1">${table.columns.map((column, index) => `<c r="${columns[index]}1" t="inlineStr" s="1"><is><t>${xmlText(column.header)}</t></is></c>`).join('')}</row>`);
      let rowNumber = 1;
      for await (const rows of table.batches) {
        let xml = '';
        for (const values of rows) {
          rowNumber += 1;
          xml += `<row r="${rowNumber}">`;
          for (let index = 0; index < columns.length; index += 1) xml += cell(columns[index]!, rowNumber, values[index] ?? null);
          xml += '</row>';
        }
        // The reader went away (the download was cancelled): leaving the loop closes the rows' cursor.
        if (sheet.destroyed) return;
        if (!sheet.write(xml)) await drainedOrClosed(sheet);
        if (sheet.destroyed) return;
      }
      sheet.end('</sheetData></worksheet>');
    } catch (error) {
      zip.destroy(error as Error);
    }
  })();
  zip.on('error', () => undefined);
  zip.on('close', () => sheet.destroy());
  return zip;
}

/** Waits until the stream takes more or is gone, leaving no listener behind either way. */
function drainedOrClosed(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
  });
}
