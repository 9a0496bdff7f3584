import type { Db } from '../db/database.js';
import type { CurrentUser } from '../platform/auth.js';
import { HttpError, ValidationError } from '../platform/errors.js';
import { isCanonicalId, isVersion } from '../platform/schemas.js';
import type { Workflow } from '../workflow/definition.js';
import { itemLabel, transitionItem } from '../workflow/transition.js';

/** "Mark BUILT" names no status: the fulfillment method picks one of the four BUILT queues. */
export function resolveTarget(workflow: Workflow, fromStatus: string, to: string, fulfillmentMethod: string | undefined): string {
  if (to !== 'built') return to;
  if (!fulfillmentMethod) throw new ValidationError({ fulfillmentMethod: 'Choose how the customer gets it: pickup, installation, delivery or shipping.' });
  const transition = workflow.transitions.find(
    (t) => t.from === fromStatus && t.requires.includes('fulfillment_method') && workflow.statuses.get(t.to)?.fulfillmentMethod === fulfillmentMethod,
  );
  if (!transition) throw new HttpError(422, 'Only items in work can be marked BUILT.');
  return transition.to;
}

export interface BulkResult {
  itemId: number;
  label: string;
  ok: boolean;
  message: string;
  mailQueued?: boolean;
}

interface TransitionInput {
  fulfillmentMethod?: string;
  reason?: string;
  carrier?: string;
  tracking?: string;
}

/**
 * Moves each selected item ("<id>:<version seen>") on its own: one that cannot move is
 * reported and the others still go.
 */
export async function bulkMove(db: Db, workflow: Workflow, user: CurrentUser, selected: string[], to: string, input: TransitionInput): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (const entry of selected.slice(0, 200)) {
    const parts = entry.split(':');
    const [id = '', version = ''] = parts;
    if (parts.length !== 2 || !isCanonicalId(id) || !isVersion(version)) {
      results.push({ itemId: 0, label: `“${entry.slice(0, 20)}”`, ok: false, message: 'is not an item on this page; reload the page and select again' });
      continue;
    }
    const itemId = Number(id);
    const current = await db
      .selectFrom('line_items')
      .innerJoin('orders', 'orders.id', 'line_items.order_id')
      .select(['line_items.status', 'line_items.position', 'line_items.fulfillment_method', 'orders.number', 'orders.last_item_number'])
      .where('line_items.id', '=', itemId)
      .executeTakeFirst();
    if (!current) {
      results.push({ itemId, label: `Item ${itemId}`, ok: false, message: 'no longer exists' });
      continue;
    }
    const label = itemLabel(current.number, current.position, current.last_item_number);
    try {
      const method = to === 'built' ? (input.fulfillmentMethod || current.fulfillment_method) : input.fulfillmentMethod;
      const toStatus = resolveTarget(workflow, current.status, to, method);
      const outcome = await transitionItem(db, { userId: user.id, roles: user.roles }, { itemId, expectedVersion: Number(version), toStatus, ...input, fulfillmentMethod: method });
      results.push({ itemId, label, ok: true, message: `moved to ${workflow.statuses.get(toStatus)!.label}`, mailQueued: outcome.mailQueued });
    } catch (error) {
      if (error instanceof ValidationError) results.push({ itemId, label, ok: false, message: Object.values(error.fieldErrors).join(' ') });
      else if (error instanceof HttpError) results.push({ itemId, label, ok: false, message: error.message });
      else throw error;
    }
  }
  return results;
}
