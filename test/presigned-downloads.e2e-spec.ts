import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auth, bodyOf, MolgenisFile } from './support/http.js';
import { startTestApp, TestApp } from './support/test-app.js';

// Always on S3: the test app starts its own s3rver for STORAGE_DRIVER=s3 without an S3_ENDPOINT.
describe('STORAGE_PRESIGNED_DOWNLOADS=true (S3)', () => {
  let t: TestApp;
  let owner: { token: string };
  let stranger: { token: string };
  let fileId: string;
  const body = Buffer.from('served by the object store');

  beforeAll(async () => {
    t = await startTestApp({ STORAGE_DRIVER: 's3', STORAGE_PRESIGNED_DOWNLOADS: 'true' });
    owner = await t.createUser(['editor']);
    stranger = await t.createUser(['editor']);
    const res = await t
      .http()
      .post('/api/files')
      .set(auth(owner.token))
      .set('Content-Type', 'text/plain')
      .set('x-molgenis-filename', 'note.txt')
      .send(body)
      .expect(201);
    fileId = bodyOf<MolgenisFile>(res).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers an authorised download with 302 to a short-lived presigned URL that serves the bytes', async () => {
    for (const path of [`/api/files/${fileId}?alt=media`, `/v1/file/${fileId}`]) {
      const res = await t.http().get(path).set(auth(owner.token)).redirects(0).expect(302);
      expect(res.headers['cache-control']).toBe('no-store');
      const location = new URL(res.headers.location);
      expect(location.searchParams.get('X-Amz-Expires')).toBe('60');
      expect(location.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      expect(decodeURIComponent(location.searchParams.get('response-content-disposition') ?? '')).toContain('attachment');
      const direct = await fetch(location);
      expect(direct.status).toBe(200);
      expect(Buffer.from(await direct.arrayBuffer()).equals(body)).toBe(true);
    }
  });

  it('never hands a URL to someone without READ, nor for an unknown file', async () => {
    const res = await t.http().get(`/api/files/${fileId}?alt=media`).set(auth(stranger.token)).redirects(0).expect(403);
    expect(res.headers.location).toBeUndefined();
    await t.http().get(`/api/files/${fileId}?alt=media`).redirects(0).expect(401);
    await t.http().get('/api/files/unknownfile?alt=media').set(auth(owner.token)).redirects(0).expect(404);
  });

  it('metadata and HEAD are still answered by the service', async () => {
    await t.http().get(`/api/files/${fileId}`).set(auth(owner.token)).expect(200);
    const head = await t.http().head(`/api/files/${fileId}?alt=media`).set(auth(owner.token)).expect(200);
    expect(head.headers['content-length']).toBe(String(body.length));
  });
});
