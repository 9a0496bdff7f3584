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

const perTransaction = 200;

/**
 * Archives the orders completed at least the shop's number of days ago (Admin → Settings), each
 * through the order workflow's "archive" move, as Traveler. Safe with several app instances: a
 * batch claims its orders with SKIP LOCKED, so two runs never take the same order.
 */
export async function archiveCompletedOrders(db: Db, now = new Date()): Promise<number> {
  const { archiveAfterDays } = await getShopSettings(db);
  if (archiveAfterDays === 0) return 0;
  const workflow = await loadWorkflow(db, orderWorkflow);
  const from = [...new Set(workflow.transitions.filter((move) => move.intent === 'archive' && workflow.statuses.get(move.from)?.kind === 'completed').map((move) => move.from))];
  if (from.length === 0) return 0;
  const before = new Date(now.getTime() - archiveAfterDays * 86_400_000);
  const actor: TransitionActor = { userId: null, roles: ['admin'], via: `archived ${archiveAfterDays} days after completion`, role: null };
  let archived = 0;
  for (;;) {
    const batch = await inTransaction(db, async (tx) => {
      const due = await tx
        .selectFrom('orders')
        .select(['id', 'version'])
        .where('status', 'in', from)
        .where(sql<boolean>`status_entered_at < ${before}`)
        .orderBy('id')
        .limit(perTransaction)
        .forUpdate()
        .skipLocked()
        .execute();
      for (const order of due) await transition(tx, { type: 'order', id: order.id }, actor, { expectedVersion: order.version, to: { intent: 'archive' } });
      return due.length;
    });
    archived += batch;
    if (batch < perTransaction) return archived;
  }
}

