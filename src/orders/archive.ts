import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { getShopSettings } from '../settings/settings.js';
import type { Workflow } from '../workflow/definition.js';
import { loadWorkflow } from '../workflow/definition.js';
import { transition, type TransitionActor } from '../workflow/engine.js';
import { orderWorkflow } from './subject.js';

/** Statuses an "archive" move leads to: an order there is archived. */
export function archivedStatusesOf(workflow: Workflow): string[] {
  return [...new Set(workflow.transitions.filter((move) => move.intent === 'archive').map((move) => move.to))];
}

/** At most this many orders a run; the next run (an hour later) goes on. */
const perRun = 5000;

/**
 * Archives the orders completed at least the shop's number of days ago (Admin → Settings), each
 * through the order workflow's "archive" move, as Traveler, each in a transaction of its own:
 * one that cannot be archived (an admin changed the move) is logged and left, and the rest go on.
 * Safe with several app instances: each claims its order with SKIP LOCKED.
 */
export async function archiveCompletedOrders(db: Db, now = new Date(), log: (message: string) => void = () => {}): Promise<number> {
  const { archiveAfterDays } = await getShopSettings(db);
  if (archiveAfterDays === 0) return 0;
  const workflow = await loadWorkflow(db, orderWorkflow);
  const from = [...new Set(workflow.transitions.filter((move) => move.intent === 'archive' && workflow.statuses.get(move.from)?.kind === 'completed').map((move) => move.from))];
  if (from.length === 0) return 0;
  const before = new Date(now.getTime() - archiveAfterDays * 86_400_000);
  const actor: TransitionActor = { userId: null, roles: ['admin'], via: `archived ${archiveAfterDays} days after completion`, role: null };
  const leftAlone: number[] = [];
  let archived = 0;
  while (archived + leftAlone.length < perRun) {
    const claimed = await inTransaction(db, async (tx) => {
      const order = await tx
        .selectFrom('orders')
        .select(['id', 'version'])
        .where('status', 'in', from)
        .where(sql<boolean>`status_entered_at < ${before}`)
        .$if(leftAlone.length > 0, (q) => q.where('id', 'not in', leftAlone))
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!order) return undefined;
      try {
        await transition(tx, { type: 'order', id: order.id }, actor, { expectedVersion: order.version, to: { intent: 'archive' } });
        return { id: order.id, archived: true };
      } catch (error) {
        log(`order ${order.id} was not archived: ${(error as Error).message}`);
        return { id: order.id, archived: false };
      }
    });
    if (!claimed) break;
    if (claimed.archived) archived += 1;
    else leftAlone.push(claimed.id);
  }
  return archived;
}
