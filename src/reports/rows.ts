import type { Compilable } from 'kysely';
import Cursor from 'pg-cursor';
import { poolOf, type Db } from '../db/database.js';

/** Rows read from the database per round trip. */
const rowsPerRead = 5_000;

/**
 * A query's rows as arrays (in the order it selects them), a few thousand at a time through a
 * cursor on a connection of its own: memory stays flat at any size, and a million rows cost a
 * few hundred awaits rather than a million (Kysely's stream() hands them out one by one, as
 * objects). Stopping early closes the cursor and gives the connection back.
 */
export async function* rowBatches(db: Db, query: Compilable): AsyncGenerator<unknown[][]> {
  const { sql, parameters } = query.compile();
  const client = await poolOf(db).connect();
  const cursor = client.query(new Cursor<unknown[]>(sql, parameters as unknown[], { rowMode: 'array' }));
  let broken: Error | undefined;
  try {
    for (;;) {
      const rows = await cursor.read(rowsPerRead);
      if (rows.length === 0) return;
      yield rows;
    }
  } catch (error) {
    broken = error as Error;
    throw error;
  } finally {
    await cursor.close().catch((error: Error) => (broken ??= error));
    client.release(broken);
  }
}
