import type pg from 'pg';
import type { DataSource } from 'typeorm';

/**
 * Runs a named prepared statement on TypeORM's own pg pool: PostgreSQL parses and plans it once per connection
 * instead of on every call (measured with pgbench: docs/performance-profile.md, "Figures behind comments"), and
 * TypeORM's query-runner setup per call is skipped. Only for the few fixed statements that every request runs;
 * `name` must be unique to `text`. Errors are pg's own (`code` is the SQLSTATE), as the error mapping expects.
 */
export function preparedQuery<Row extends pg.QueryResultRow>(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<Row[]> {
  const pool = (dataSource.driver as unknown as { master: pg.Pool }).master;
  // pg's callback form: its promise form wraps the callback in promises of its own, which every request would pay.
  return new Promise((resolve, reject) => {
    pool.query<Row>({ name, text, values }, (error, result) => (error ? reject(error) : resolve(result.rows)));
  });
}
