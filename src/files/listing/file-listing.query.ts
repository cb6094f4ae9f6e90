import { SelectQueryBuilder } from 'typeorm';
import { FileMeta } from '../file-meta.entity.js';
import { LIST_FIELDS } from './list-fields.js';
import { FilterCondition, ListQuery } from './list-query.js';

const SQL_OPERATOR = { eq: '=', gt: '>', lt: '<', gte: '>=', lte: '<=' } as const;

/** LIKE wildcards in the user's text match themselves (PostgreSQL's default escape character is `\`). */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Adds the filter conditions to a query on the `f` alias. Column names come from the LIST_FIELDS whitelist,
 * values only ever travel as bound parameters.
 */
export function applyFilters(qb: SelectQueryBuilder<FileMeta>, filters: readonly FilterCondition[]): SelectQueryBuilder<FileMeta> {
  filters.forEach((filter, i) => {
    const column = LIST_FIELDS[filter.field].column;
    const param = `filter${i}`;
    if (filter.op === 'contains') {
      // ILIKE with a pattern uses the pg_trgm GIN index on filename when it exists.
      qb.andWhere(`${column} ILIKE :${param}`, { [param]: `%${escapeLike(String(filter.value))}%` });
    } else {
      qb.andWhere(`${column} ${SQL_OPERATOR[filter.op]} :${param}`, { [param]: filter.value });
    }
  });
  return qb;
}

/** Sort keys, then the id as a tie-breaker so that pages never overlap or skip rows; newest first by default. */
export function applySortAndPage(qb: SelectQueryBuilder<FileMeta>, query: ListQuery): SelectQueryBuilder<FileMeta> {
  const sort = query.sort.length > 0 ? query.sort : [{ field: 'createdAt' as const, direction: 'DESC' as const }];
  sort.forEach((key, i) =>
    i === 0 ? qb.orderBy(LIST_FIELDS[key.field].column, key.direction) : qb.addOrderBy(LIST_FIELDS[key.field].column, key.direction),
  );
  if (!sort.some((key) => key.field === 'id')) qb.addOrderBy(LIST_FIELDS.id.column, sort[sort.length - 1].direction);
  // limit/offset rather than take/skip: plain SQL paging, no DISTINCT sub-query (there are no joins).
  return qb.limit(query.limit).offset(query.offset);
}

/** How TypeORM writes the `f` alias's FROM clause (the table name comes from FileMeta's @Entity). */
const FILE_META_FROM = 'FROM "file_meta" "f"';

/**
 * Makes a query built on the `f` alias read a random `$percentParam` % of file_meta's pages (TABLESAMPLE SYSTEM)
 * instead of all of them. REPEATABLE: the same call picks the same pages while the table is unchanged, so repeated
 * estimates agree. Throws if the FROM clause is not the expected one, rather than sampling the wrong table.
 */
export function withPageSample(sql: string, percentParam: number): string {
  const at = sql.indexOf(FILE_META_FROM);
  if (at < 0 || sql.indexOf(FILE_META_FROM, at + 1) >= 0)
    throw new Error(`Cannot sample this query: expected one '${FILE_META_FROM}' in: ${sql}`);
  return `${sql.slice(0, at + FILE_META_FROM.length)} TABLESAMPLE SYSTEM ($${percentParam}::real) REPEATABLE (0)${sql.slice(at + FILE_META_FROM.length)}`;
}
