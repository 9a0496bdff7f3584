import { stringify } from 'csv-stringify';

/**
 * A cell a spreadsheet would read as a formula (=, +, -, @, a tab or a carriage return first)
 * gets a leading apostrophe: an exported "=HYPERLINK(...)" stays text when opened in Excel.
 */
export function spreadsheetSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** CSV text from rows as they come (an async iterable), header first; cells are made spreadsheet-safe. */
export function csvStream(header: readonly string[], rows: AsyncIterable<readonly (string | number | null)[]>) {
  const csv = stringify({ bom: true, record_delimiter: 'windows' });
  void (async () => {
    try {
      csv.write(header);
      for await (const row of rows) {
        const cells = row.map((cell) => (cell === null ? '' : typeof cell === 'number' ? String(cell) : spreadsheetSafe(cell)));
        if (!csv.write(cells)) await new Promise((resolve) => csv.once('drain', resolve));
      }
      csv.end();
    } catch (error) {
      csv.destroy(error as Error);
    }
  })();
  return csv;
}
