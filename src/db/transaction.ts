import type { Transaction } from 'kysely';
import { ConflictError } from '../platform/errors.js';
import type { DbOrTx } from './database.js';
import type { Database } from './types.js';

/** PostgreSQL gave up on a transaction to break a deadlock, or could not serialise it: running it again is safe. */
function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/**
 * Runs `work` in a transaction, once more if PostgreSQL aborted it as a deadlock victim or a
 * serialization failure, and as a conflict the person can retry if it happens twice. `work` must
 * only touch the database (it may run twice).
 *
 * Given a transaction already, `work` joins it: the caller's transaction commits or rolls back
 * everything together, and the caller's own inTransaction retries the whole.
 *
 * Lock order, everywhere: a line item before its order (child before parent). A status change
 * locks its item, then the order; an order edit locks the order's items (by id), then the order.
 */
export async function inTransaction<T>(db: DbOrTx, work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db as Transaction<Database>);
  try {
    return await db.transaction().execute(work);
  } catch (error) {
    if (!isRetryable(error)) throw error;
  }
  try {
    return await db.transaction().execute(work);
  } catch (error) {
    if (!isRetryable(error)) throw error;
    throw new ConflictError('Someone else was changing the same thing at the same moment, so nothing was saved. Look at it again and retry.');
  }
}
