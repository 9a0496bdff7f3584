import { sql } from 'kysely';
import { builtStatuses, stageLabels, stageOf, type Stage } from '../batches/progress.js';
import type { DbOrTx } from '../db/database.js';
import type { BusinessClock } from '../monitoring/business-time.js';
import { expectedWorkingMs } from '../monitoring/time-in-status.js';
import type { Workflow } from '../workflow/definition.js';
import { scopedItemIds, type ReportScope } from './scope.js';
import { columns, type ReportCell, type ReportTable } from './table.js';

export const summaryColumns = columns(['Section', 10], ['Name', 34], ['Items', 9], ['Done', 9], ['Built, awaiting handover', 12], ['On hold', 9], ['Late', 9], ['Percent done', 9]);

/** Products listed in a summary, the largest first. */
const productsListed = 1000;

interface Tally {
  items: number;
  done: number;
  ready: number;
  onHold: number;
  late: number;
  cancelled: number;
}

const emptyTally = (): Tally => ({ items: 0, done: 0, ready: 0, onHold: 0, late: 0, cancelled: 0 });

function add(tally: Tally, stage: Stage, count: number, late: number): void {
  tally.items += count;
  tally.late += late;
  if (stage === 'done') tally.done += count;
  if (stage === 'ready') tally.ready += count;
  if (stage === 'on-hold') tally.onHold += count;
  if (stage === 'cancelled') tally.cancelled += count;
}

function line(section: string, name: string, tally: Tally): ReportCell[] {
  const counted = tally.items - tally.cancelled;
  return [section, name, tally.items, tally.done, tally.ready, tally.onHold, tally.late, counted > 0 ? Math.floor((tally.done / counted) * 100) : null];
}

/**
 * Counts of the scope's items: overall, by stage, by status and by product (description), each
 * with how many are done, built and awaiting handover, on hold, and late in their current status
 * (on the shop's clock). Counted in the database: a row per status, and the largest 1,000 products.
 */
export async function summaryReport(db: DbOrTx, scope: ReportScope, workflow: Workflow, clock: BusinessClock, now: Date): Promise<ReportTable> {
  const lateBy = [...workflow.statuses.values()].flatMap((status) => {
    const expected = status.kind === 'open' && status.waitsOn === 'shop' && clock.works ? expectedWorkingMs(status, clock) : null;
    return expected === null ? [] : [sql`(${status.key}::text, ${clock.subtract(now, expected).toISOString()}::timestamptz)`];
  });
  const thresholds = lateBy.length > 0 ? sql`(values ${sql.join(lateBy)})` : sql`(select null::text, null::timestamptz where false)`;
  const ids = scopedItemIds(db, scope);
  // By status: a row per status. By product: the largest products only (a shop may have a description per item).
  const [byStatusRows, byProductRows] = await Promise.all([
    sql<{ status: string; items: number; late: number }>`
      select li.status, count(*)::int as items, (count(*) filter (where li.status_entered_at <= t.late_at))::int as late
        from line_items li
        left join ${thresholds} as t(status, late_at) on t.status = li.status
       where li.id in (${ids})
       group by li.status`.execute(db),
    sql<{ key: string; status: string; items: number; late: number }>`
      with largest as (select li.description from line_items li where li.id in (${ids}) group by li.description order by count(*) desc, li.description limit ${productsListed})
      select li.description as key, li.status, count(*)::int as items, (count(*) filter (where li.status_entered_at <= t.late_at))::int as late
        from line_items li
        join largest on largest.description = li.description
        left join ${thresholds} as t(status, late_at) on t.status = li.status
       where li.id in (${ids})
       group by li.description, li.status`.execute(db),
  ]);
  const built = builtStatuses(workflow);
  const overall = emptyTally();
  const byStage = new Map<Stage, Tally>();
  const byStatus = new Map<string, Tally>();
  const byProduct = new Map<string, Tally>();
  for (const row of byStatusRows.rows) {
    const stage = stageOf(workflow, built, row.status);
    for (const tally of [overall, byStage.get(stage) ?? byStage.set(stage, emptyTally()).get(stage)!, byStatus.get(row.status) ?? byStatus.set(row.status, emptyTally()).get(row.status)!]) {
      add(tally, stage, row.items, row.late);
    }
  }
  for (const row of byProductRows.rows) {
    const tally = byProduct.get(row.key) ?? byProduct.set(row.key, emptyTally()).get(row.key)!;
    add(tally, stageOf(workflow, built, row.status), row.items, row.late);
  }
  const statusOrder = [...workflow.statuses.values()].sort((a, b) => a.position - b.position);
  const products = [...byProduct].sort(([a, x], [b, y]) => y.items - x.items || a.localeCompare(b));
  const lines = [
    line('Total', scope.name, overall),
    ...(Object.keys(stageLabels) as Stage[]).map((stage) => line('Stage', stageLabels[stage], byStage.get(stage) ?? emptyTally())),
    ...statusOrder.filter((status) => byStatus.has(status.key)).map((status) => line('Status', status.label, byStatus.get(status.key)!)),
    ...products.map(([description, tally]) => line('Product', description, tally)),
  ];
  async function* batches() {
    yield lines;
  }
  return { sheetName: 'Summary', columns: summaryColumns, batches: batches() };
}
