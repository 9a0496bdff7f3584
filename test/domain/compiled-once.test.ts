import t from 'tap';
import { compiledOnce } from '../../src/db/compiled.js';
import { freshDatabase } from '../helpers/database.js';

t.test('a query compiled once runs with each call’s own values, in or out of a transaction', async (t) => {
  const { db } = await freshDatabase(t);
  await db.insertInto('machines').values([{ name: 'Router' }, { name: 'Laser' }, { name: 'Printer' }]).execute();
  const named = compiledOnce((db, first: string, second: string) => db.selectFrom('machines').select('name').where('name', 'in', [first, second]).where('active', '=', true).orderBy('name'));
  t.same((await named(db, 'Router', 'Laser')).map((row) => row.name), ['Laser', 'Router']);
  t.same((await named(db, 'Printer', 'Nothing')).map((row) => row.name), ['Printer'], 'the second call binds its own values');
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('machines').set({ active: false }).where('name', '=', 'Laser').execute();
    t.same((await named(tx, 'Router', 'Laser')).map((row) => row.name), ['Router'], 'inside a transaction, it sees the transaction');
  });
  const shaped = compiledOnce((db, limit: number) => db.selectFrom('machines').select('name').limit(limit > 5 ? 5 : 1));
  await t.rejects(shaped(db, 10), /every argument must be a value of the query/, 'an argument used to shape the query is caught');
});
