import { DataSource } from 'typeorm';

/**
 * Deletes the rows of `table` that match `where` (its parameters `$1…` are `params`), `slice` rows per statement so
 * that none holds many row locks; answers how many went. `table` and `where` are the caller's constants, never input.
 */
export async function deleteInSlices(db: DataSource, table: string, where: string, params: unknown[], slice = 10_000): Promise<number> {
  let removed = 0;
  for (;;) {
    const rows = await db.query<{ n: number }[]>(
      `WITH gone AS (DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${where} LIMIT $${params.length + 1}) RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [...params, slice],
    );
    removed += rows[0].n;
    if (rows[0].n < slice) return removed;
  }
}
