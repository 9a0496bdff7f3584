import { sql } from 'kysely';
import t from 'tap';
import { createDb } from '../../src/db/database.js';
import { freshDatabase } from '../helpers/database.js';

/** What the connection has prepared, after one parameterised query on it. */
async function preparedAfterAQuery(url: string, preparedStatements: boolean): Promise<number> {
  const db = createDb(url, 1, { preparedStatements });
  try {
    await db.selectFrom('users').select('id').where('id', '=', 1).execute();
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements where name like 't%'`.execute(db);
    return rows[0]!.n;
  } finally {
    await db.destroy();
  }
}

t.test('named prepared statements by default; none with DATABASE_PREPARED_STATEMENTS=off (PgBouncer before 1.21)', async (t) => {
  const { url } = await freshDatabase(t);
  t.ok((await preparedAfterAQuery(url, true)) >= 1, 'on: the query was prepared on the connection, under its name');
  t.equal(await preparedAfterAQuery(url, false), 0, 'off: nothing is left prepared on the connection for a pooler to lose');
});
