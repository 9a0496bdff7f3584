import type { DbOrTx } from '../db/database.js';
import { listCatalog } from '../catalog/catalog.js';
import type { QueueFilter } from './queue-query.js';

/** What the queue's filter form offers: machines, materials, people, and the chosen customer's name. */
export async function queueFilterChoices(db: DbOrTx, filter: QueueFilter) {
  const [machines, materials, people, customer] = await Promise.all([
    listCatalog(db, 'machines'),
    listCatalog(db, 'materials'),
    db.selectFrom('users').select(['id', 'name']).where('active', '=', true).orderBy('name').execute(),
    filter.customerId ? db.selectFrom('customers').select(['id', 'name']).where('id', '=', filter.customerId).executeTakeFirst() : undefined,
  ]);
  return { machines, materials, people, customer };
}
