import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { postFile } from './support/appmixer-client.js';
import { AppmixerFile, auth, bodyOf, BoomError, MolgenisFile, OpenApiDocument, Page } from './support/http.js';
import { storedObjects } from './support/stored-objects.js';
import { startTestApp, TestApp } from './support/test-app.js';

interface Seeded {
  fileId: string;
  filename: string;
  length: number;
}

describe('Appmixer Files API: listing, count and bulk delete; the native listing', () => {
  let t: TestApp;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  let viewer: { id: string; token: string };
  const mine: Seeded[] = [];
  const list = (token: string, query: Record<string, string> = {}) => t.http().get('/files').query(query).set(auth(token));

  beforeAll(async () => {
    t = await startTestApp();
    alice = await t.createUser(['editor']);
    bob = await t.createUser(['editor']);
    viewer = await t.createUser(['viewer']);
    const names = ['Invoice-2024-01.pdf', 'invoice-2024-02.pdf', 'report.txt', 'photo.png', 'notes_100%.txt'];
    for (const [i, name] of names.entries()) {
      const res = await postFile(t, alice.token, 'x'.repeat((i + 1) * 100), {}, name).expect(200);
      mine.push({ fileId: bodyOf<AppmixerFile>(res).fileId, filename: name, length: (i + 1) * 100 });
    }
    await postFile(t, bob.token, 'bob'.repeat(10), {}, 'invoice-bob.txt').expect(200);
    // Distinct upload dates, one day apart and oldest first, so date filters and sorts have something to tell apart.
    const db = t.app.get(DataSource);
    for (const [i, file] of mine.entries()) {
      await db.query(`UPDATE file_meta SET created_at = $2 WHERE id = $1`, [file.fileId, new Date(Date.UTC(2025, 0, 1 + i)).toISOString()]);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it("GET /files lists the caller's own files, newest first, in the Appmixer shape", async () => {
    const res = await list(alice.token).expect(200);
    expect(bodyOf<AppmixerFile[]>(res).map((f) => f.filename)).toEqual([...mine].reverse().map((f) => f.filename));
    expect(bodyOf<AppmixerFile[]>(res)[0]).toMatchObject({
      fileId: mine[4].fileId,
      length: 500,
      metadata: { userId: alice.id },
      uploadDate: '2025-01-05T00:00:00.000Z',
    });
    expect(bodyOf<AppmixerFile[]>(await list(bob.token).expect(200)).map((f) => f.filename)).toEqual(['invoice-bob.txt']);
    expect((await list(t.adminToken).expect(200)).body).toHaveLength(6); // admins see all
    expect((await list(viewer.token).expect(200)).body).toEqual([]);
  });

  it('filters: ~ substring (case-insensitive, wildcards literal), equality, ranges on length and uploadDate', async () => {
    const names = async (filter: string, token = alice.token) =>
      bodyOf<AppmixerFile[]>(await list(token, { filter, sort: 'filename:1' }).expect(200)).map((f) => f.filename);
    expect(await names('filename:~INVOICE')).toEqual(['Invoice-2024-01.pdf', 'invoice-2024-02.pdf']);
    expect(await names('filename:~%')).toEqual(['notes_100%.txt']);
    expect(await names('filename:~_')).toEqual(['notes_100%.txt']);
    expect(await names('filename:report.txt')).toEqual(['report.txt']);
    expect(await names('filename:REPORT.txt')).toEqual([]);
    expect(await names('length:>200,length:<=400')).toEqual(['photo.png', 'report.txt']);
    expect(await names('length:300')).toEqual(['report.txt']);
    expect(await names('uploadDate:<2025-01-03')).toEqual(['Invoice-2024-01.pdf', 'invoice-2024-02.pdf']);
    expect(await names('uploadDate:>=2025-01-04T00:00:00Z')).toEqual(['notes_100%.txt', 'photo.png']);
    expect(await names('filename:~invoice,contentType:~octet')).toEqual([]);
    expect(await names(`fileId:${mine[2].fileId}`)).toEqual(['report.txt']);
    expect(await names(`userId:${alice.id}`, t.adminToken)).toHaveLength(5);
    expect(await names('filename:~invoice', t.adminToken)).toEqual(['Invoice-2024-01.pdf', 'invoice-2024-02.pdf', 'invoice-bob.txt']);
  });

  it('sorts on several keys, projects fields in or out, pages with limit and offset', async () => {
    const bySize = await list(alice.token, { sort: 'length:-1' }).expect(200);
    expect(bodyOf<AppmixerFile[]>(bySize).map((f) => f.length)).toEqual([500, 400, 300, 200, 100]);
    const byType = await list(alice.token, { sort: 'contentType:1,filename:-1', projection: 'filename' }).expect(200);
    expect(bodyOf<object[]>(byType).every((f) => Object.keys(f).join() === 'filename')).toBe(true);
    const projected = await list(alice.token, { projection: '-md5,-chunkSize,-metadata', limit: '1' }).expect(200);
    expect(Object.keys(bodyOf<object[]>(projected)[0]).sort()).toEqual(['contentType', 'fileId', 'filename', 'length', 'uploadDate']);
    const pages: AppmixerFile[] = [];
    for (let offset = 0; offset < 6; offset += 2)
      pages.push(
        ...bodyOf<AppmixerFile[]>(await list(alice.token, { sort: 'filename:1', limit: '2', offset: String(offset) }).expect(200)),
      );
    expect(pages.map((f) => f.filename)).toEqual([...mine].map((f) => f.filename).sort());
    expect((await list(alice.token, { offset: '5' }).expect(200)).body).toEqual([]);
    await list(alice.token, { includeComponentSourceFiles: 'true' }).expect(200);
  });

  it('400 for unknown fields, bad operators, bad values, bad sort/projection and out-of-range paging', async () => {
    const bad: Record<string, string>[] = [
      { filter: 'password:x' },
      { filter: 'nonsense' },
      { filter: 'length:>big' },
      { filter: 'uploadDate:<yesterday' },
      { filter: 'filename:>a' },
      { filter: 'length:~1' },
      { filter: 'userId:not-a-uuid' },
      { filter: 'filename:~' },
      { sort: 'filename' },
      { sort: 'filename:2' },
      { sort: 'filename:1;DROP TABLE file_meta' },
      { sort: 'size:1' },
      { projection: 'password' },
      { projection: 'filename,-md5' },
      { limit: '0' },
      { limit: '1001' },
      { limit: '-1' },
      { limit: 'ten' },
      { offset: '-5' },
      { offset: '1.5' },
      { includeComponentSourceFiles: 'maybe' },
    ];
    for (const query of bad) {
      const res = await list(alice.token, query);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
    await t.http().get('/files?filter=filename:a&filter=filename:b').set(auth(alice.token)).expect(400);
    await t.http().get('/files').expect(401);
  });

  it('GET /files/count counts what the filter matches, for the caller only', async () => {
    expect((await t.http().get('/files/count').set(auth(alice.token)).expect(200)).body).toEqual({ count: 5 });
    expect((await t.http().get('/files/count?filter=filename:~invoice').set(auth(alice.token)).expect(200)).body).toEqual({ count: 2 });
    expect((await t.http().get('/files/count?filter=filename:~invoice').set(auth(t.adminToken)).expect(200)).body).toEqual({ count: 3 });
    expect((await t.http().get('/files/count?includeComponentSourceFiles=false').set(auth(bob.token)).expect(200)).body).toEqual({
      count: 1,
    });
    await t.http().get('/files/count?filter=bogus:1').set(auth(alice.token)).expect(400);
    await t.http().get('/files/count').expect(401);
  });

  it('GET /api/files: the same listing with native names and a paging envelope', async () => {
    const res = await t
      .http()
      .get('/api/files')
      .query({ filter: 'filename:~invoice', sort: 'size:-1', limit: '1' })
      .set(auth(alice.token))
      .expect(200);
    expect(res.body).toMatchObject({ total: 2, limit: 1, offset: 0 });
    const { items } = bodyOf<Page<MolgenisFile>>(res);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: mine[1].fileId, filename: 'invoice-2024-02.pdf', size: 200, owner: alice.id });
    const all = await t.http().get('/api/files').set(auth(alice.token)).expect(200);
    expect(all.body).toMatchObject({ total: 5, limit: 100, offset: 0 });
    const dated = await t
      .http()
      .get('/api/files')
      .query({ filter: 'createdAt:<2025-01-02', sort: 'createdAt:1' })
      .set(auth(alice.token))
      .expect(200);
    expect(bodyOf<Page<MolgenisFile>>(dated).items.map((f) => f.filename)).toEqual(['Invoice-2024-01.pdf']);
    const problem = await t.http().get('/api/files?filter=length:>1').set(auth(alice.token)).expect(400); // Appmixer names are not native names
    expect(problem.headers['content-type']).toMatch(/problem\+json/);
    await t.http().get('/api/files?limit=5000').set(auth(alice.token)).expect(400);
    await t.http().get('/api/files').expect(401);
  });

  it('DELETE /files needs a filter (400), 403 for viewers, and deletes only the caller’s own matching files', async () => {
    const empty = await t.http().delete('/files').set(auth(alice.token)).expect(400);
    expect(bodyOf<BoomError>(empty).message).toMatch(/filter/);
    await t.http().delete('/files?filter=').set(auth(alice.token)).expect(400);
    await t.http().delete('/files?filter=nosuchfield:1').set(auth(alice.token)).expect(400);
    await t.http().delete('/files?filter=filename:~invoice').set(auth(viewer.token)).expect(403);
    await t.http().delete('/files?filter=filename:~invoice').expect(401);

    const objectsBefore = (await storedObjects(t.config)).length;
    // Even an admin's bulk delete reaches only the admin's own files: nobody's invoices go.
    expect((await t.http().delete('/files?filter=filename:~invoice').set(auth(t.adminToken)).expect(200)).body).toEqual({
      deletedCount: 0,
    });
    const res = await t.http().delete('/files?filter=filename:~invoice').set(auth(alice.token)).expect(200);
    expect(res.body).toEqual({ deletedCount: 2 });
    expect((await storedObjects(t.config)).length).toBe(objectsBefore - 2);
    await t.http().get(`/files/metadata/${mine[0].fileId}`).set(auth(alice.token)).expect(404);
    await t.http().get(`/api/files/${mine[1].fileId}?alt=media`).set(auth(alice.token)).expect(404);
    expect((await t.http().get('/files/count').set(auth(alice.token)).expect(200)).body).toEqual({ count: 3 });
    // Bob's invoice is untouched.
    const bobs = bodyOf<AppmixerFile[]>(await list(bob.token).expect(200));
    expect(bobs.map((f) => f.filename)).toEqual(['invoice-bob.txt']);
    expect((await t.http().get(`/api/files/${bobs[0].fileId}?alt=media`).set(auth(bob.token)).expect(200)).text).toBe('bob'.repeat(10));
  });

  it('has the trigram index for ~ filters (pg_trgm works on this PostgreSQL)', async () => {
    const rows = await t.app
      .get(DataSource)
      .query<{ indexdef: string }[]>(`SELECT indexdef FROM pg_indexes WHERE indexname = 'file_meta_filename_trgm_idx'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].indexdef).toMatch(/gin \(filename gin_trgm_ops\)/);
  });

  it('documents every /files route in the OpenAPI document, count and metadata before /files/{fileId}', async () => {
    const doc = bodyOf<OpenApiDocument>(await t.http().get('/api/docs-json').expect(200));
    const paths = Object.keys(doc.paths);
    expect(paths).toEqual(expect.arrayContaining(['/files', '/files/count', '/files/metadata/{fileId}', '/files/{fileId}']));
    const upload = doc.paths['/files'].post;
    expect(Object.keys(upload.requestBody.content)).toEqual(['multipart/form-data']);
    expect(upload.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'uploader-file-id',
        'uploader-file-name',
        'uploader-chunks-total',
        'uploader-chunk-number',
        'uploader-chunk-size',
      ]),
    );
    expect(Object.keys(doc.paths['/files'].delete.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    expect(doc.paths['/api/files'].get).toBeDefined();
  });
});
