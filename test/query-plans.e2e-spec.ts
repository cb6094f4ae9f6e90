import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { Principal } from '../src/auth/principal.js';
import { FileMeta } from '../src/files/file-meta.entity.js';
import { applyFilters, applySortAndPage } from '../src/files/listing/file-listing.query.js';
import { FilterCondition } from '../src/files/listing/list-query.js';
import { applyVisibility } from '../src/files/listing/visibility.js';
import { auth, bodyOf, MolgenisFile, Page } from './support/http.js';
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

  describe("a non-admin's listing reads what they can see, not the table", () => {
    const OTHERS_ROWS = 30_000;
    let viewer: { id: string; username: string; token: string };
    let granted: string[];

    beforeAll(async () => {
      const db = t.app.get(DataSource);
      viewer = await t.createUser(['viewer']);
      const [{ id: adminId }] = await db.query<{ id: string }[]>(`SELECT id FROM users WHERE username = 'admin'`);
      await db.query(
        `INSERT INTO file_meta (id, filename, content_type, size, sha256, md5, storage_key, owner_id, created_at)
         SELECT 'plan' || g, 'file-' || g || CASE WHEN g % 100 = 0 THEN '-x' ELSE '' END || '.bin', 'application/octet-stream', g,
                md5(g::text) || md5(g::text), md5(g::text), 'plan-key-' || g, $1, now() - g * interval '1 second'
         FROM generate_series(1, $2::int) AS g`,
        [adminId, OTHERS_ROWS],
      );
      // One file granted to the viewer, one to a role the viewer holds: all they may see.
      granted = ['plan100', 'plan200'];
      await db.query(`INSERT INTO file_grants (file_id, user_id, permission) VALUES ('plan100', $1, 'READ')`, [viewer.id]);
      await db.query(`INSERT INTO file_grants (file_id, role, permission) VALUES ('plan200', 'viewer', 'READ')`);
      await db.query('ANALYZE file_meta');
      await db.query('ANALYZE file_grants');
    });

    /** The plan, with real row counts, of the listing builder's query for the viewer. */
    async function planOf(kind: 'page' | 'count', filters: FilterCondition[]): Promise<string> {
      const db = t.app.get(DataSource);
      const principal = new Principal(viewer.id, viewer.username, ['viewer']);
      let qb = applyFilters(applyVisibility(db.getRepository(FileMeta).createQueryBuilder('f'), principal), filters);
      qb = kind === 'page' ? applySortAndPage(qb, { filters, sort: [], limit: 50, offset: 0 }) : qb.select('COUNT(*)', 'count');
      const [sql, params] = qb.getQueryAndParameters();
      const plan = await db.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN (ANALYZE, COSTS OFF) ${sql}`, params);
      return plan.map((line) => line['QUERY PLAN']).join('\n');
    }

    it.each([
      ['page', []],
      ['page', [{ field: 'filename', op: 'contains', value: 'x' }]],
      ['count', []],
      ['count', [{ field: 'filename', op: 'contains', value: 'x' }]],
    ] as const)('%s with filters %j: index scans, no row of file_meta read and thrown away by the thousand', async (kind, filters) => {
      const plan = await planOf(kind, [...filters]);
      expect(plan).not.toMatch(/Seq Scan on file_meta/);
      const removed = [...plan.matchAll(/Rows Removed by Filter: (\d+)/g)].map((m) => Number(m[1]));
      expect(Math.max(0, ...removed)).toBeLessThan(1000);
    });

    it('and sees exactly their granted files, through every listing route', async () => {
      const native = bodyOf<Page<MolgenisFile>>(await t.http().get('/api/files?limit=100').set(auth(viewer.token)).expect(200));
      expect(native.items.map((f) => f.id).sort()).toEqual(granted);
      expect(native.total).toBe(2);
      const appmixer = bodyOf<{ fileId: string }[]>(await t.http().get('/files?limit=100').set(auth(viewer.token)).expect(200));
      expect(appmixer.map((f) => f.fileId).sort()).toEqual(granted);
      const count = await t.http().get('/files/count').set(auth(viewer.token)).expect(200);
      expect(count.body).toEqual({ count: 2 });
      expect(count.headers['x-count-exact']).toBe('true');
    });
  });
});
