import type { DbOrTx } from '../db/database.js';
import { ValidationError } from '../platform/errors.js';
import { filterParams, parseQueueFilter } from './queue-query.js';

// A person's saved views of a queue are read with the navigation (loadNavigation in queues.ts).

/** Saves the current filters under a name; the query is normalised so only known filters are kept. */
export async function saveView(db: DbOrTx, userId: number, queueKey: string, name: string, query: string): Promise<void> {
  if (name === '') throw new ValidationError({ name: 'Name the view, e.g. “Acrylic on the router”.' });
  if (name.length > 60) throw new ValidationError({ name: 'Use at most 60 characters for the name.' });
  const { filter, errors } = parseQueueFilter(Object.fromEntries(new URLSearchParams(query)));
  if (Object.keys(errors).length > 0) throw new ValidationError({ query: 'Fix the filters before saving them.' });
  const normalised = filterParams(filter, { after: undefined }).toString();
  await db
    .insertInto('saved_views')
    .values({ user_id: userId, queue_key: queueKey, name, query: normalised })
    .execute()
    .catch((error: { code?: string }) => {
      if (error.code === '23505') throw new ValidationError({ name: `You already have a view called “${name}” here.` });
      throw error;
    });
}

export async function deleteSavedView(db: DbOrTx, userId: number, viewId: number): Promise<void> {
  await db.deleteFrom('saved_views').where('id', '=', viewId).where('user_id', '=', userId).execute();
}
