import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { COUNT_SAMPLE_ROWS, EXACT_COUNT_LIMIT } from '../src/files/listing/file-count.js';
import { postFile } from './support/appmixer-client.js';
import { AppmixerFile, auth, bodyOf, Count, OpenApiDocument } from './support/http.js';
import { startTestApp, TestApp } from './support/test-app.js';

/**
 * GET /files/count stays exact for small results whatever the table's size, and turns into a marked estimate only
 * above EXACT_COUNT_LIMIT on a table too large to count quickly (src/files/listing/file-count.ts).
 */
describe('Appmixer Files API: GET /files/count, exact and estimated', () => {
  let t: TestApp;
  let db: DataSource;
  let alice: { id: string; username: string; token: string };
  let bob: { id: string; token: string };
  const count = async (token: string, filter?: string) => {
    const res = await t
      .http()
      .get('/files/count')
      .query(filter === undefined ? {} : { filter })
      .set(auth(token))
      .expect(200);
    const body = bodyOf<Count>(res);
    expect(Object.keys(body)).toEqual(['count']); // the contract's shape, estimate or not
    return { count: body.count, exact: res.headers['x-count-exact'] };
  };
  /** `rows` more admin-owned rows, straight into file_meta; one in 100 has an 'x' in its name (none says 'invoice'). */
  const seed = async (from: number, to: number) => {
    const [admin] = await db.query<{ id: string }[]>(`SELECT id FROM users WHERE username = 'admin'`);
    await db.query(
      `INSERT INTO file_meta (id, filename, content_type, size, sha256, md5, storage_key, owner_id)
       SELECT 'seed' || g, 'seed-' || g || CASE WHEN g % 100 = 0 THEN '-x' ELSE '' END || '.bin', 'application/octet-stream', g,
              md5(g::text) || md5(g::text), md5(g::text), 'seed-key-' || g, $1
       FROM generate_series($2::int, $3::int) AS g`,
      [admin.id, from, to],
    );
    await db.query('ANALYZE file_meta');
  };

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    alice = await t.createUser(['editor']);
    bob = await t.createUser(['editor']);
    for (const name of ['Invoice-1.pdf', 'invoice-2.pdf', 'report.txt']) await postFile(t, alice.token, name, {}, name).expect(200);
    const bobs = await postFile(t, bob.token, 'bob', {}, 'invoice-bob.pdf').expect(200);
    // Bob shares his invoice with Alice: counts follow the same visibility as the listing.
    await t
      .http()
      .post(`/api/files/${bodyOf<AppmixerFile>(bobs).fileId}/permissions`)
      .set(auth(bob.token))
      .send({ username: alice.username, permission: 'READ' })
      .expect(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts a few files exactly, under a filter, with the grants and ownership of the listing', async () => {
    expect(await count(alice.token, 'filename:~invoice')).toEqual({ count: 3, exact: 'true' });
    expect(await count(alice.token)).toEqual({ count: 4, exact: 'true' });
    expect(await count(bob.token, 'filename:~invoice')).toEqual({ count: 1, exact: 'true' });
    expect(await count(t.adminToken, 'filename:~INVOICE')).toEqual({ count: 3, exact: 'true' });
  });

  it('counts exactly above the limit while the table is small enough to count quickly', async () => {
    await seed(1, EXACT_COUNT_LIMIT + 200);
    expect(await count(t.adminToken)).toEqual({ count: EXACT_COUNT_LIMIT + 204, exact: 'true' });
    expect(await count(alice.token, 'filename:~invoice')).toEqual({ count: 3, exact: 'true' });
  });

  it(`on a table past ${COUNT_SAMPLE_ROWS} rows: small counts stay exact, large ones are estimates marked X-Count-Exact: false`, async () => {
    const rows = COUNT_SAMPLE_ROWS + 50_000;
    await seed(EXACT_COUNT_LIMIT + 201, rows);
    // Small results, however selective the filter: exact.
    expect(await count(alice.token, 'filename:~invoice')).toEqual({ count: 3, exact: 'true' });
    expect(await count(t.adminToken, 'filename:~invoice')).toEqual({ count: 3, exact: 'true' });
    expect(await count(t.adminToken, 'filename:~seed-4242')).toEqual({ count: 11, exact: 'true' }); // 4242, 42420-42429
    expect(await count(bob.token)).toEqual({ count: 1, exact: 'true' });
    // Large ones: close to the truth, never below the limit, and the same answer twice.
    const all = await count(t.adminToken);
    expect(all.exact).toBe('false');
    expect(Math.abs(all.count - (rows + 4)) / (rows + 4)).toBeLessThan(0.05);
    const xs = await count(t.adminToken, 'filename:~x');
    expect(xs.exact).toBe('false');
    expect(xs.count).toBeGreaterThan(EXACT_COUNT_LIMIT);
    expect(Math.abs(xs.count - rows / 100) / (rows / 100)).toBeLessThan(0.25);
    expect(await count(t.adminToken, 'filename:~x')).toEqual(xs);
    // The listing itself is unaffected: a page of the newest 'x' files.
    const page = await t
      .http()
      .get('/files')
      .query({ filter: 'filename:~x', sort: 'uploadDate:-1', limit: '50' })
      .set(auth(t.adminToken))
      .expect(200);
    expect(page.body).toHaveLength(50);
  });

  it('documents the X-Count-Exact header on GET /files/count', async () => {
    const doc = await t.http().get('/api/docs-json').expect(200);
    const ok = bodyOf<OpenApiDocument>(doc).paths['/files/count'].get.responses['200'];
    expect(Object.keys(ok.headers)).toEqual(['X-Count-Exact']);
    expect(ok.headers['X-Count-Exact'].schema).toEqual({ type: 'string', enum: ['true', 'false'] });
  });
});
