import { Readable } from 'node:stream';
import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import type { ReportFormat, ReportKind } from '../db/types.js';
import { inTransaction } from '../db/transaction.js';
import { enqueueMail } from '../mail/outbox.js';
import { findValidToken, issueToken, tokenProblem, type TokenProblem } from '../platform/tokens.js';
import type { ReportScope } from './scope.js';

/** Reports with more rows than this are made in the background rather than while the person waits. */
export const backgroundRowThreshold = 50_000;
/** How long a finished export (and the links to it) can be downloaded. */
export const exportLifetimeMs = 7 * 86_400_000;
/** The file is kept in chunks of about this size (smaller ones keep the worker's memory down as it writes them). */
const chunkBytes = 256 * 1024;
/** A worker that has not reported for this long has died; another takes the export over. */
const leaseMs = 120_000;
const heartbeatMs = 2_000;
const maxAttempts = 3;
const tokenPurpose = 'report-export';

export interface ExportRequest {
  report: ReportKind;
  format: ReportFormat;
  scope: ReportScope;
  title: string;
  fileName: string;
  rowsExpected: number;
}

/** Queues an export for the person and gives the token of its page (the link is its only address). */
export async function requestExport(db: Db, userId: number, request: ExportRequest): Promise<string> {
  return inTransaction(db, async (tx) => {
    const created = await tx
      .insertInto('report_exports')
      .values({
        requested_by: userId,
        report: request.report,
        format: request.format,
        scope: JSON.stringify(request.scope),
        title: request.title,
        file_name: request.fileName,
        rows_expected: request.rowsExpected,
        expires_at: new Date(Date.now() + exportLifetimeMs),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { token } = await issueToken(tx, { purpose: tokenPurpose, subjectType: 'report_export', subjectId: created.id, lifetimeMs: exportLifetimeMs, createdBy: userId });
    return token;
  });
}

export interface ExportState {
  id: number;
  title: string;
  fileName: string;
  format: ReportFormat;
  status: 'queued' | 'running' | 'ready' | 'failed';
  rowsExpected: number;
  rowsDone: number;
  bytes: number;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  expiresAt: Date;
}

/** The export a link points to, if the link works and the person asked for it; otherwise why not. */
export async function exportByToken(db: DbOrTx, userId: number, token: string): Promise<{ export: ExportState } | { problem: TokenProblem }> {
  const valid = await findValidToken(db, token, tokenPurpose);
  if (!valid) return { problem: (await tokenProblem(db, token, tokenPurpose)) ?? 'unknown' };
  const row = await db
    .selectFrom('report_exports')
    .select([
      'id',
      'title',
      'file_name as fileName',
      'format',
      'status',
      'rows_expected as rowsExpected',
      'rows_done as rowsDone',
      'bytes',
      'error',
      'created_at as createdAt',
      'finished_at as finishedAt',
      'expires_at as expiresAt',
    ])
    .where('id', '=', valid.subjectId)
    .where('requested_by', '=', userId)
    .executeTakeFirst();
  if (!row) return { problem: 'unknown' };
  if (row.expiresAt <= new Date()) return { problem: 'expired' };
  return { export: { ...row, bytes: Number(row.bytes) } };
}

/** The person's recent exports, newest first, for the reports page. */
export async function recentExports(db: DbOrTx, userId: number) {
  return db
    .selectFrom('report_exports')
    .select(['id', 'title', 'status', 'rows_expected as rowsExpected', 'rows_done as rowsDone', 'created_at as createdAt', 'expires_at as expiresAt'])
    .where('requested_by', '=', userId)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('id', 'desc')
    .limit(10)
    .execute();
}

/** A finished export's file, read a chunk at a time. */
export function exportFile(db: DbOrTx, exportId: number): Readable {
  return Readable.from(
    (async function* chunks() {
      for (let seq = 0; ; seq += 1) {
        const chunk = await db.selectFrom('report_export_chunks').select('data').where('export_id', '=', exportId).where('seq', '=', seq).executeTakeFirst();
        if (!chunk) return;
        yield chunk.data;
      }
    })(),
  );
}

interface ClaimedExport {
  id: number;
  requestedBy: number;
  report: ReportKind;
  format: ReportFormat;
  scope: ReportScope;
  title: string;
  attempts: number;
}

/** Takes the oldest export waiting (or one whose worker died), leased to this worker. */
async function claimExport(db: Db): Promise<ClaimedExport | undefined> {
  // One whose workers kept dying (three leases run out) has failed: it is not taken again.
  await sql`
    update report_exports set status = 'failed', locked_until = null, error = coalesce(error, 'It stopped half-way three times.')
     where status = 'running' and locked_until < now() and attempts >= ${maxAttempts}`.execute(db);
  const { rows } = await sql<ClaimedExport>`
    update report_exports set status = 'running', attempts = attempts + 1, locked_until = now() + make_interval(secs => ${leaseMs / 1000}), rows_done = 0, error = null
     where id = (select id from report_exports
                  where status = 'queued' or (status = 'running' and locked_until < now())
                  order by id for update skip locked limit 1)
    returning id, requested_by as "requestedBy", report, format, scope, title, attempts`.execute(db);
  return rows[0];
}

/** Still this worker's: the attempt it claimed is the export's latest (another worker taking it over counts one more). */
function stillOurs(claimed: ClaimedExport) {
  return sql<boolean>`exists (select 1 from report_exports where id = ${claimed.id} and status = 'running' and attempts = ${claimed.attempts})`;
}

/** What makes a report's file: the same code that streams it to a person who waits. */
export type ReportMaker = (claimed: { report: ReportKind; format: ReportFormat; scope: ReportScope }, onRows: (count: number) => void) => Promise<Readable>;

/**
 * Makes the next waiting export, if any: writes its file into chunks while reporting progress
 * (and renewing its lease), then marks it ready and emails the person a link. A failure is tried
 * again up to three times; a worker that dies mid-way leaves the lease to run out, and one told
 * to stop (`signal`) hands the export back at once.
 */
export async function runNextExport(db: Db, make: ReportMaker, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  const claimed = await claimExport(db);
  if (!claimed) return false;
  let rowsDone = 0;
  let lastBeat = Date.now();
  let lostLease = false;
  const beat = async () => {
    lastBeat = Date.now();
    const renewed = await db
      .updateTable('report_exports')
      .set({ rows_done: rowsDone, locked_until: sql<Date>`now() + make_interval(secs => ${leaseMs / 1000})` })
      .where('id', '=', claimed.id)
      .where('status', '=', 'running')
      .where('attempts', '=', claimed.attempts)
      .executeTakeFirst();
    lostLease = Number(renewed.numUpdatedRows) === 0;
  };
  // The lease is renewed while the first rows are still being sorted, too.
  const renewing = setInterval(() => void beat().catch(() => undefined), heartbeatMs * 5);
  try {
    await db.deleteFrom('report_export_chunks').where('export_id', '=', claimed.id).execute();
    const file = await make(claimed, (count) => (rowsDone += count));
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let seq = 0;
    let bytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const data = Buffer.concat(pending, pendingBytes);
      const written = await sql`insert into report_export_chunks (export_id, seq, data) select ${claimed.id}, ${seq}, ${data} where ${stillOurs(claimed)}`.execute(db);
      if (Number(written.numAffectedRows ?? 0) === 0) lostLease = true;
      seq += 1;
      bytes += data.length;
      pending = [];
      pendingBytes = 0;
    };
    for await (const piece of file) {
      const buffer = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as string);
      pending.push(buffer);
      pendingBytes += buffer.length;
      if (pendingBytes >= chunkBytes) await flush();
      if (lostLease) {
        file.destroy();
        return true;
      }
      if (signal?.aborted) {
        // Shutting down: handed back untouched, for this or another instance to make from the start.
        file.destroy();
        await db.updateTable('report_exports').set({ status: 'queued', attempts: sql<number>`attempts - 1`, locked_until: null }).where('id', '=', claimed.id).where('status', '=', 'running').where('attempts', '=', claimed.attempts).execute();
        return false;
      }
      if (Date.now() - lastBeat > heartbeatMs) {
        await beat();
        if (lostLease) {
          file.destroy();
          return true;
        }
      }
    }
    await flush();
    await inTransaction(db, async (tx) => {
      const done = await tx
        .updateTable('report_exports')
        .set({ status: 'ready', rows_done: rowsDone, bytes, finished_at: sql<Date>`now()`, locked_until: null })
        .where('id', '=', claimed.id)
        .where('status', '=', 'running')
        .where('attempts', '=', claimed.attempts)
        .returning(['expires_at as expiresAt'])
        .executeTakeFirst();
      if (!done) return;
      const person = await tx.selectFrom('users').select(['email', 'name', 'active']).where('id', '=', claimed.requestedBy).executeTakeFirst();
      if (!person?.active) return;
      const { token } = await issueToken(tx, { purpose: tokenPurpose, subjectType: 'report_export', subjectId: claimed.id, lifetimeMs: done.expiresAt.getTime() - Date.now(), createdBy: null });
      await enqueueMail(tx, {
        template: 'export-ready',
        to: person.email,
        data: { name: person.name, title: claimed.title, rows: rowsDone, path: `/reports/exports/${token}`, expiresAt: done.expiresAt.toISOString() },
        idempotencyKey: `export-ready:${claimed.id}`,
      });
    });
    return true;
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    await db
      .updateTable('report_exports')
      .set({ status: claimed.attempts >= maxAttempts ? 'failed' : 'queued', error: message, locked_until: null })
      .where('id', '=', claimed.id)
      .where('status', '=', 'running')
      .where('attempts', '=', claimed.attempts)
      .execute();
    throw error;
  } finally {
    clearInterval(renewing);
  }
}

/** Deletes exports (and their files) past their expiry. */
export async function removeExpiredExports(db: Db): Promise<number> {
  const removed = await db.deleteFrom('report_exports').where('expires_at', '<=', sql<Date>`now()`).executeTakeFirst();
  return Number(removed.numDeletedRows);
}

/**
 * Runs the waiting exports one after another in this instance, when nudged (a new export, or the
 * schedule looking for work another instance left); on close it stops at the next row.
 */
export class ReportExportRunner {
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  /** Reports with more rows than this are made here rather than while the person waits (tests lower it). */
  threshold = backgroundRowThreshold;

  constructor(
    private readonly db: Db,
    private readonly make: ReportMaker,
    private readonly onError: (error: unknown) => void,
  ) {}

  nudge(): void {
    if (this.running || this.stopping.signal.aborted) return;
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** Waits until nothing is being made (for tests and scripts). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    for (;;) {
      const ran = await runNextExport(this.db, this.make, this.stopping.signal).catch((error: unknown) => {
        this.onError(error);
        return true;
      });
      if (!ran) return;
    }
  }
}
