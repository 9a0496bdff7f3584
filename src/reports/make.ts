import type { Readable } from 'node:stream';
import type { Db } from '../db/database.js';
import type { ReportFormat, ReportKind } from '../db/types.js';
import type { BusinessClock } from '../monitoring/business-time.js';
import type { Workflow } from '../workflow/definition.js';
import { csvStream } from './csv.js';
import { copyCsv } from './copy.js';
import { detailedColumns, detailedCsvQuery, detailedReport } from './detailed.js';
import type { ReportScope } from './scope.js';
import { summaryReport } from './summary.js';
import type { ReportTable } from './table.js';
import { timelineColumns, timelineCsvQuery, timelineReport } from './timeline.js';
import { xlsxStream } from './xlsx.js';

export const reportKinds: readonly ReportKind[] = ['items', 'timeline', 'summary'];
export const reportFormats: readonly ReportFormat[] = ['csv', 'xlsx'];
export const reportLabels: Record<ReportKind, string> = { items: 'Detailed report', timeline: 'Timeline report', summary: 'Summary report' };
export const reportHints: Record<ReportKind, string> = {
  items: 'Every item with its status, dates and times.',
  timeline: 'Every status change, with who made it and when.',
  summary: 'Counts by stage, status and product, with what is done, on hold and late.',
};
export const formatTypes: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export interface ReportContext {
  db: Db;
  workflow: Workflow;
  clock: BusinessClock;
  now: Date;
}

export async function reportTable(context: ReportContext, report: ReportKind, scope: ReportScope): Promise<ReportTable> {
  const { db, workflow, clock, now } = context;
  if (report === 'timeline') return timelineReport(db, scope, workflow, clock.calendar.timeZone);
  if (report === 'summary') return summaryReport(db, scope, workflow, clock, now);
  return detailedReport(db, scope, clock, now);
}

/** Counts the rows as they are written (a background export's progress). */
function counting(table: ReportTable, onRows: (count: number) => void): ReportTable {
  return {
    ...table,
    batches: (async function* batches() {
      for await (const rows of table.batches) {
        onRows(rows.length);
        yield rows;
      }
    })(),
  };
}

/** The report's file as a stream: the same whether a person waits for it or it is made in the background. */
export async function reportFile(context: ReportContext, report: ReportKind, format: ReportFormat, scope: ReportScope, onRows?: (count: number) => void): Promise<Readable> {
  // The long reports as CSV are written by PostgreSQL itself (COPY): the app passes the bytes on.
  if (format === 'csv' && report === 'items') return copyCsv(context.db, await detailedCsvQuery(context.db, scope, context.clock, context.now), detailedColumns, onRows);
  if (format === 'csv' && report === 'timeline') return copyCsv(context.db, timelineCsvQuery(context.db, scope, context.clock.calendar.timeZone), timelineColumns, onRows);
  const table = await reportTable(context, report, scope);
  const counted = onRows ? counting(table, onRows) : table;
  return format === 'xlsx' ? xlsxStream(counted) : csvStream(counted);
}
