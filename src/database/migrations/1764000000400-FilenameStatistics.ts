import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A finer histogram on file_meta.filename, so `filename:~text` pages keep a stable plan over many rows.
 *
 * PostgreSQL estimates `ILIKE '%x%'` from the column's histogram alone once it has 100 or more entries. At the default
 * statistics target (100) a filter matching 1 % of the names hits no entry in about a third of ANALYZE runs; the
 * estimate then drops to its floor (0.01 %) and the newest-first page switches from a backward scan of
 * (created_at, id) that stops after the first matches (~5 ms) to a full scan and sort (~250-900 ms).
 * With 1001 entries such a filter is seen on every run. The cost is a slower ANALYZE (a 300,000-row sample).
 */
export class FilenameStatistics1764000000400 implements MigrationInterface {
  name = 'FilenameStatistics1764000000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE file_meta ALTER COLUMN filename SET STATISTICS 1000`);
    // Existing installations get the finer histogram now rather than at the next autoanalyze. Not a new, empty one:
    // statistics saying "empty" make every pooled connection's prepared id lookup a sequential scan, which it keeps
    // while the table grows, until autovacuum's next ANALYZE (docs/performance-profile.md, fourth pass).
    const [{ populated }] = (await q.query(`SELECT EXISTS (SELECT 1 FROM file_meta) AS populated`)) as { populated: boolean }[];
    if (populated) await q.query(`ANALYZE file_meta (filename)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE file_meta ALTER COLUMN filename SET STATISTICS -1`);
  }
}
