import type { Db, DbOrTx } from '../db/database.js';
import { listCatalog } from '../catalog/catalog.js';
import { Cached } from '../platform/cached.js';
import type { QueueFilter } from './queue-query.js';

const choiceLifetimeMs = 30_000;

/** Machines, materials and active people: on every queue page, so read at most every 30 s. */
export function filterChoiceLists(db: Db) {
  return new Cached(choiceLifetimeMs, async () => {
    const [machines, materials, people] = await Promise.all([
      listCatalog(db, 'machines'),
      listCatalog(db, 'materials'),
      db.selectFrom('users').select(['id', 'name']).where('active', '=', true).orderBy('name').execute(),
    ]);
    return { machines, materials, people };
  });
}

export type FilterChoiceLists = ReturnType<typeof filterChoiceLists>;

/** What the queue's filter form offers, and the chosen customer's name. */
export async function queueFilterChoices(db: DbOrTx, lists: FilterChoiceLists, filter: QueueFilter) {
  const [cached, customer] = await Promise.all([
    lists.get(),
    filter.customerId ? db.selectFrom('customers').select(['id', 'name', 'company']).where('id', '=', filter.customerId).executeTakeFirst() : undefined,
  ]);
  return { ...cached, customer };
}
