import { Readable } from 'node:stream';
import type { CompiledQuery } from 'kysely';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { poolOf, type Db } from '../db/database.js';
import { csvLine } from './csv.js';
import type { ReportColumn } from './table.js';

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('A report cannot hold a number that is not finite.');
    return String(value);
  }
  if (value instanceof Date) return `${pg.escapeLiteral(value.toISOString())}::timestamptz`;
  if (Array.isArray(value)) return `array[${value.map(literal).join(',')}]`;
  return pg.escapeLiteral(String(value));
}

/** A compiled query with its parameters written in as literals: COPY takes no parameters. */
export function inlined(query: CompiledQuery): string {
  return query.sql.replace(/\$(\d+)\b/g, (_match, index: string) => literal(query.parameters[Number(index) - 1]));
}

/**
 * CSV written by PostgreSQL itself (`COPY (query) TO STDOUT`), passed through as it comes: the
 * app reads no rows, so a million cost about what COPY costs (docs/benchmarks.md). The query
 * makes every cell's text, spreadsheet-safe; a byte-order mark and the header go first.
 * `onRows` hears the line ends as they pass, and the exact count at the end.
 */
export function copyCsv(db: Db, query: CompiledQuery, columns: readonly ReportColumn[], onRows?: (count: number) => void): Readable {
  return Readable.from(
    (async function* file() {
      yield Buffer.from(`\ufeff${csvLine(columns.map((column) => column.header))}`);
      const client = await poolOf(db).connect();
      let finished = false;
      try {
        const stream = client.query(copyTo(`COPY (${inlined(query)}) TO STDOUT WITH (FORMAT csv)`));
        let lines = 0;
        for await (const chunk of stream) {
          const bytes = chunk as Buffer;
          if (onRows) {
            let count = 0;
            for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) count += 1;
            lines += count;
            onRows(count);
          }
          yield bytes;
        }
        if (onRows) onRows(stream.rowCount - lines);
        finished = true;
      } finally {
        // A copy stopped half-way (the reader went away) leaves the connection mid-protocol: it is closed, not reused.
        client.release(finished ? undefined : true);
      }
    })(),
  );
}
