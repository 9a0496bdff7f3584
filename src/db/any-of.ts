import { sql, type Expression, type RawBuilder } from 'kysely';

/**
 * `column = any(array(subquery))`: the subquery runs once, and its values reach the column's
 * index. Inside an OR, `column in (subquery)` would filter every row of the index instead.
 */
export function anyOf<T>(subquery: Expression<{ id: T }>): RawBuilder<T> {
  return sql<T>`any(array(${subquery}))`;
}
