import type { DbOrTx } from '../db/database.js';
import { lineItemWorkflow } from '../line-items/subject.js';
import { ValidationError } from '../platform/errors.js';
import { parseUrlencoded } from '../platform/input.js';
import { filterParams, parseQueueFilter } from './queue-query.js';

// A person's saved views of a queue are read with the navigation (loadNavigation in queues.ts).

/** The filters of a queue's query string, spelled the one way the queue page writes them; unknown or unusable filters are left out. */
export function normalisedViewQuery(query: string): string {
  const { filter } = parseQueueFilter(parseUrlencoded(query.replace(/^\?/, '')));
  return filterParams(filter, { after: undefined }).toString();
}

/** Saves a queue's filters (as normalisedViewQuery spells them) under a name. */
export async function saveView(db: DbOrTx, userId: number, queueKey: string, name: string, query: string): Promise<void> {
  if (name === '') throw new ValidationError({ name: 'Name the view, e.g. “Acrylic on the router”.' });
  if (name.length > 60) throw new ValidationError({ name: 'Use at most 60 characters for the name.' });
  if (query === '') throw new ValidationError({ query: 'Choose some filters first: a view without filters is the queue itself.' });
  await db
    .insertInto('saved_views')
    .values({ user_id: userId, workflow: lineItemWorkflow, queue_key: queueKey, name, query })
    .execute()
    .catch((error: { code?: string }) => {
      if (error.code === '23505') throw new ValidationError({ name: `You already have a view called “${name}” here.` });
      throw error;
    });
}

export async function deleteSavedView(db: DbOrTx, userId: number, viewId: number): Promise<void> {
  await db.deleteFrom('saved_views').where('id', '=', viewId).where('user_id', '=', userId).execute();
}
