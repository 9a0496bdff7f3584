import { sql } from 'kysely';

/**
 * A value in a report: text, a number, or empty. Text like "2026-11-26 14:03" (the shop's wall
 * clock) or "2026-11-26" is a date: a spreadsheet file stores it as one.
 */
export type ReportCell = string | number | null;

export interface ReportColumn {
  header: string;
  /** Width in characters, for the spreadsheet. */
  width: number;
}

export type ReportRow = readonly ReportCell[];

/** A report as rows, whatever it is written as (CSV or XLSX); the rows come a few thousand at a time. */
export interface ReportTable {
  sheetName: string;
  columns: readonly ReportColumn[];
  batches: AsyncIterable<readonly ReportRow[]>;
}

export function columns(...pairs: [string, number][]): ReportColumn[] {
  return pairs.map(([header, width]) => ({ header, width }));
}

/** An instant as the shop's wall clock shows it, "2026-11-26 14:03", made by the database. */
export function localTime(column: string, timeZone: string) {
  return sql<string>`to_char(${sql.ref(column)} at time zone ${timeZone}, 'YYYY-MM-DD HH24:MI')`;
}
