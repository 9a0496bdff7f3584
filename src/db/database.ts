import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './types.js';

// int8 (ids, counts) fit comfortably in a JS number here; dates stay 'YYYY-MM-DD'
// strings so a due date never shifts by a time zone.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Db = Kysely<Database>;
export type DbOrTx = Kysely<Database> | Transaction<Database>;

export function createDb(connectionString: string, poolSize = 10, onIdleError: (error: Error) => void = logIdleError): Db {
  const pool = new pg.Pool({ connectionString, max: poolSize });
  // An idle connection dropped by the server (a restart, a failover) must not crash the app:
  // the pool discards it and the next query opens a new one.
  pool.on('error', onIdleError);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

function logIdleError(error: Error): void {
  process.emitWarning(`PostgreSQL closed an idle connection: ${error.message}`);
}
