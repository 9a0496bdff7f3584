import type { Db } from '../db/database.js';
import { lineItemLabel } from '../line-items/queries.js';
import type { CurrentUser } from '../platform/auth.js';
import { HttpError, ValidationError } from '../platform/errors.js';
import { isCanonicalId, isVersion } from '../platform/schemas.js';
import { transition, type TransitionRequest } from '../workflow/engine.js';
import type { TransitionInput } from '../workflow/subjects.js';

export interface BulkResult {
  itemId: number;
  label: string;
  ok: boolean;
  message: string;
  mailQueued?: boolean;
}

/**
 * Moves each selected item ("<id>:<version seen>") on its own: one that cannot move is
 * reported and the others still go.
 */
export async function bulkMove(db: Db, user: CurrentUser, selected: string[], to: TransitionRequest['to'], input: TransitionInput): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (const entry of selected.slice(0, 200)) {
    const parts = entry.split(':');
    const [id = '', version = ''] = parts;
    if (parts.length !== 2 || !isCanonicalId(id) || !isVersion(version)) {
      results.push({ itemId: 0, label: `“${entry.slice(0, 20)}”`, ok: false, message: 'is not an item on this page; reload the page and select again' });
      continue;
    }
    const itemId = Number(id);
    try {
      const outcome = await transition(db, { type: 'line_item', id: itemId }, { userId: user.id, roles: user.roles }, { expectedVersion: Number(version), to, input });
      results.push({ itemId, label: outcome.label, ok: true, message: `moved to ${outcome.to.label}`, mailQueued: outcome.mailQueued });
    } catch (error) {
      if (!(error instanceof ValidationError || error instanceof HttpError)) throw error;
      const label = await lineItemLabel(db, itemId);
      if (label === undefined) results.push({ itemId, label: `Item ${itemId}`, ok: false, message: 'no longer exists' });
      else results.push({ itemId, label, ok: false, message: error instanceof ValidationError ? Object.values(error.fieldErrors).join(' ') : error.message });
    }
  }
  return results;
}
