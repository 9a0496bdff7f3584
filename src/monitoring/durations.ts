import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { BusinessClock } from './business-time.js';

/** How long recent items took in a status, in working time. */
export interface DurationStats {
  samples: number;
  p50Ms: number;
  p85Ms: number;
}

/** What an item is measured against: the narrowest scope with enough samples wins. */
export interface DurationScope {
  machineId: number | null;
  materialId: number | null;
}

/** Fewer recent items than this in a scope, and the expected time is used instead. */
export const enoughSamples = 8;
/** Only the most recent stays in each status and scope count: how the shop works now. */
const recentPerScope = 200;
/** Stays read per refresh, newest first. */
const staysRead = 50_000;

export function scopesOf(item: DurationScope): string[] {
  const scopes: string[] = [];
  if (item.machineId !== null && item.materialId !== null) scopes.push(`machine:${item.machineId}/material:${item.materialId}`);
  if (item.machineId !== null) scopes.push(`machine:${item.machineId}`);
  if (item.materialId !== null) scopes.push(`material:${item.materialId}`);
  scopes.push('all');
  return scopes;
}

/** The value below which `share` of the sorted values lie (nearest rank). */
export function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(share * sorted.length)));
  return sorted[rank - 1]!;
}

export interface FinishedStay {
  status: string;
  enteredAt: Date;
  leftAt: Date;
  machineId: number | null;
  materialId: number | null;
}

/** Median and 85th percentile of working time per status and scope; stays arrive newest first. */
export function durationStats(stays: Iterable<FinishedStay>, clock: BusinessClock): Map<string, Map<string, DurationStats>> {
  const samples = new Map<string, Map<string, number[]>>();
  for (const stay of stays) {
    let byScope = samples.get(stay.status);
    if (!byScope) samples.set(stay.status, (byScope = new Map()));
    const working = clock.between(stay.enteredAt, stay.leftAt);
    for (const scope of scopesOf(stay)) {
      let list = byScope.get(scope);
      if (!list) byScope.set(scope, (list = []));
      if (list.length < recentPerScope) list.push(working);
    }
  }
  const stats = new Map<string, Map<string, DurationStats>>();
  for (const [status, byScope] of samples) {
    const result = new Map<string, DurationStats>();
    for (const [scope, list] of byScope) {
      const sorted = [...list].sort((a, b) => a - b);
      result.set(scope, { samples: sorted.length, p50Ms: percentile(sorted, 0.5), p85Ms: percentile(sorted, 0.85) });
    }
    stats.set(status, result);
  }
  return stats;
}

/** The line items' recent finished stays, newest first: each move out of a status, back to when it was entered. */
async function recentLineItemStays(db: DbOrTx): Promise<FinishedStay[]> {
  const rows = await sql<{ status: string; entered_at: Date; left_at: Date; machine_id: number | null; material_id: number | null }>`
    select e.from_status as status, e.occurred_at as left_at, li.machine_id, li.material_id,
           coalesce((select max(p.occurred_at) from events p
                      where p.subject_type = 'line_item' and p.subject_id = e.subject_id and p.to_status = e.from_status and p.id < e.id),
                    li.created_at) as entered_at
      from (select id, subject_id, from_status, occurred_at from events
             where subject_type = 'line_item' and from_status is not null and to_status is not null and from_status <> to_status
             order by id desc limit ${staysRead}) e
      join line_items li on li.id = e.subject_id
     order by e.id desc`.execute(db);
  return rows.rows.map((row) => ({ status: row.status, enteredAt: row.entered_at, leftAt: row.left_at, machineId: row.machine_id, materialId: row.material_id }));
}

/** Rewrites the production workflow's duration statistics from its recent history. */
export async function refreshDurationStats(db: Db, workflow: string, clock: BusinessClock): Promise<number> {
  const stats = durationStats(await recentLineItemStays(db), clock);
  const rows = [...stats].flatMap(([status, byScope]) =>
    [...byScope].map(([scope, stat]) => ({ workflow, status, scope, samples: stat.samples, p50_ms: Math.round(stat.p50Ms), p85_ms: Math.round(stat.p85Ms) })),
  );
  await inTransaction(db, async (tx) => {
    // Several app instances run the job: one rewrite at a time.
    await sql`select pg_advisory_xact_lock(hashtext('traveler:status-durations'))`.execute(tx);
    await tx.deleteFrom('status_durations').where('workflow', '=', workflow).execute();
    for (let start = 0; start < rows.length; start += 1000) await tx.insertInto('status_durations').values(rows.slice(start, start + 1000)).execute();
  });
  return rows.length;
}

export type DurationLookup = (status: string, item: DurationScope) => DurationStats | undefined;

/** The statistics as one instance last read them (they change every few minutes at most). */
export class DurationStatsCache {
  private byKey = new Map<string, DurationStats>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly workflow: string,
    private readonly freshMs = 60_000,
  ) {}

  async lookup(): Promise<DurationLookup> {
    if (Date.now() - this.loadedAt > this.freshMs) {
      this.pending ??= this.load().finally(() => (this.pending = undefined));
      await this.pending;
    }
    const byKey = this.byKey;
    return (status, item) => {
      for (const scope of scopesOf(item)) {
        const stats = byKey.get(`${status}|${scope}`);
        if (stats && stats.samples >= enoughSamples) return stats;
      }
      return undefined;
    };
  }

  forget(): void {
    this.loadedAt = Number.NEGATIVE_INFINITY;
  }

  private async load(): Promise<void> {
    const rows = await this.db.selectFrom('status_durations').select(['status', 'scope', 'samples', 'p50_ms', 'p85_ms']).where('workflow', '=', this.workflow).execute();
    this.byKey = new Map(rows.map((row) => [`${row.status}|${row.scope}`, { samples: row.samples, p50Ms: row.p50_ms, p85Ms: row.p85_ms }]));
    this.loadedAt = Date.now();
  }
}
