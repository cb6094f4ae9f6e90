import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './support/test-app.js';

/** Plans PostgreSQL caches per pooled connection: a bad one stays for as long as the connection lives. */
describe('query plans on a fresh database', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('looks a file up by its primary key, not by scanning the table it believes empty', async () => {
    const runner = t.app.get(DataSource).createQueryRunner();
    try {
      await runner.connect();
      // The plan a prepared statement settles on after its first executions, built from the table's statistics.
      await runner.query(`SET plan_cache_mode = force_generic_plan`);
      await runner.query(`PREPARE lookup_by_id(varchar) AS SELECT id, filename FROM file_meta WHERE id = $1`);
      const plan = (await runner.query(`EXPLAIN EXECUTE lookup_by_id('abc')`)) as { 'QUERY PLAN': string }[];
      expect(plan.map((line) => line['QUERY PLAN']).join('\n')).toMatch(/Index (Only )?Scan using \S+ on file_meta/);
    } finally {
      // The connection goes back to the app's pool: leave it as it was.
      await runner.query(`DEALLOCATE ALL; RESET plan_cache_mode`).catch(() => undefined);
      await runner.release();
    }
  });
});
