import { CompiledQuery, type Compilable } from 'kysely';
import type { DbOrTx } from './database.js';

/**
 * A query whose shape never changes, built and compiled by Kysely once; each run binds its own
 * values. Rebuilding the query tree on every call was about a sixth of the order page's CPU.
 * `build` must use each argument only as a value (`where('id', '=', id)`), never to decide the
 * query's shape: the arguments it sees the first time are stand-ins.
 */
export function compiledOnce<Args extends readonly unknown[], Row>(build: (db: DbOrTx, ...args: Args) => Compilable<Row>) {
  let compiled: { sql: string; parameters: readonly unknown[]; argumentAt: number[] } | undefined;
  const compile = (db: DbOrTx, arity: number) => {
    const standIns = Array.from({ length: arity }, (_, index) => ({ standIn: index }));
    const query = build(db, ...(standIns as unknown as Args)).compile();
    const argumentAt = query.parameters.map((parameter) => standIns.indexOf(parameter as { standIn: number }));
    if (standIns.some((standIn) => !query.parameters.includes(standIn))) throw new Error('compiledOnce: every argument must be a value of the query');
    return { sql: query.sql, parameters: query.parameters, argumentAt };
  };
  return async (db: DbOrTx, ...args: Args): Promise<Row[]> => {
    compiled ??= compile(db, args.length);
    const { sql, parameters, argumentAt } = compiled;
    const values = parameters.map((parameter, index) => (argumentAt[index]! >= 0 ? args[argumentAt[index]!] : parameter));
    return (await db.executeQuery<Row>(CompiledQuery.raw(sql, values) as CompiledQuery<Row>)).rows;
  };
}
