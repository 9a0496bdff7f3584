import { createHash } from 'node:crypto';
import Cursor from 'pg-cursor';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './types.js';

// int8 (ids, counts) fit comfortably in a JS number here; dates stay 'YYYY-MM-DD'
// strings so a due date never shifts by a time zone.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Db = Kysely<Database>;
export type DbOrTx = Kysely<Database> | Transaction<Database>;
export type Tx = Transaction<Database>;

export interface DbOptions {
  /** Named prepared statements (see preparingStatements); off behind a pooler that cannot keep them. */
  preparedStatements?: boolean;
  onIdleError?: (error: Error) => void;
}

export function createDb(connectionString: string, poolSize = 10, { preparedStatements = true, onIdleError = logIdleError }: DbOptions = {}): Db {
  // A connection attempt that hangs (a network partition) fails the request instead of holding it.
  const pool = new pg.Pool({ connectionString, max: poolSize, connectionTimeoutMillis: 5000 });
  let ending = false;
  // An idle connection dropped by the server (a restart, a failover) must not crash the app:
  // the pool discards it and the next query opens a new one. While the pool is closing, the
  // server dropping a connection that was on its way out anyway is no news.
  pool.on('error', (error) => {
    if (!ending) onIdleError(error);
  });
  // The pool listens for a client's errors only while it is idle. A connection cut while a
  // request holds it (inside a transaction, between two statements, or the moment it connects)
  // would otherwise be an uncaught 'error' event and end the process. With this listener, the
  // request's next query fails instead, and the pool discards the broken client on release.
  // 'connect' is emitted synchronously as the connection is made, before the pool stops listening.
  pool.on('connect', (client) => client.on('error', ignoreErrorWhileCheckedOut));
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: preparingStatements(pool, preparedStatements, () => {
        ending = true;
      }),
      // Reports stream their rows through a cursor (query.stream()): constant memory at any size.
      cursor: Cursor,
    }),
  });
  pools.set(db, pool);
  return db;
}

const pools = new WeakMap<Db, pg.Pool>();

/**
 * The pool behind a Db, for the little Kysely does not do: reading a query's rows as arrays
 * through a cursor, thousands at a time (the reports, src/reports/rows.ts).
 */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('This Db was not made by createDb.');
  return pool;
}

const prepared = Symbol('prepared statements');

// Names by query text: the same few hundred texts run all day, and hashing each again cost about 2 % of a page's CPU.
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    if (statementNames.size >= 5000) statementNames.clear();
    name = `t${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Runs every parameterised query as a named prepared statement (named by its text), so each
 * connection plans a query once instead of on every call: planning cost more than running most
 * of Traveler's queries (docs/performance.md: the status change went from 9 to 241 req/s, the
 * baseline from 270 to 640). Text without parameters (migrations, several statements) goes as is.
 * PgBouncer keeps named statements in transaction mode from 1.21 on (max_prepared_statements);
 * behind an older pooler, DATABASE_PREPARED_STATEMENTS=off sends every query unnamed.
 */
function preparingStatements(pool: pg.Pool, enabled: boolean, onEnd: () => void): PostgresPool {
  return {
    connect: async () => {
      const client = (await pool.connect()) as pg.PoolClient & { [prepared]?: true };
      if (enabled && !client[prepared]) {
        const plainQuery = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
        client.query = ((text: unknown, values?: unknown) =>
          typeof text === 'string' && Array.isArray(values) && values.length > 0
            ? plainQuery({ name: statementName(text), text, values })
            : plainQuery(text, values)) as typeof client.query;
        client[prepared] = true;
      }
      return client as unknown as PostgresPoolClient;
    },
    end: () => {
      onEnd();
      return pool.end();
    },
  };
}

function ignoreErrorWhileCheckedOut(): void {}

function logIdleError(error: Error): void {
  process.emitWarning(`PostgreSQL closed an idle connection: ${error.message}`);
}
