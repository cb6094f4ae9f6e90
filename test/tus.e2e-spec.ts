import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Upload } from 'tus-js-client';
import { collectBytes } from './support/bytes.js';
import { auth, bodyOf, MolgenisFile, Page, Problem } from './support/http.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { GatedHttpStack, statusOf, tusUpload } from './support/tus-client.js';
import { tusBytesStored, tusLeftovers, tusUploadLocked, waitFor } from './support/tus-storage.js';

const MiB = 1024 * 1024;
const hex = (algorithm: string, bytes: Buffer) => createHash(algorithm).update(bytes).digest('hex');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const TUS = { 'Tus-Resumable': '1.0.0' };

/** A raw request whose body the test writes itself (supertest cannot hold a body half-sent). */
function rawRequest(url: string, method: string, headers: Record<string, string | number>) {
  const req = httpRequest(url, { method, headers });
  const response = new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
    },
  );
  return { req, response };
}

describe('tus uploads (/api/uploads)', () => {
  let t: TestApp;
  let editor: { id: string; token: string };
  let other: { id: string; token: string };

  beforeAll(async () => {
    t = await startTestApp();
    editor = await t.createUser(['editor']);
    other = await t.createUser(['editor']);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** POST /api/uploads by hand; answers the upload path. */
  async function create(token: string, size: number, metadata = `filename ${b64('raw.bin')}`): Promise<string> {
    const res = await t
      .http()
      .post('/api/uploads')
      .set(auth(token))
      .set(TUS)
      .set('Upload-Length', String(size))
      .set('Upload-Metadata', metadata);
    expect(res.status).toBe(201);
    expect(res.headers.location).toMatch(/^\/api\/uploads\/[0-9a-f]{32}$/);
    return res.headers.location;
  }

  const patch = (token: string, path: string, offset: number, body: Buffer) =>
    t
      .http()
      .patch(path)
      .set(auth(token))
      .set(TUS)
      .set('Upload-Offset', String(offset))
      .set('Content-Type', 'application/offset+octet-stream')
      .send(body);

  it('a plain upload becomes an ordinary file in every dialect, named by Stowage-File-Id, and leaves nothing behind', async () => {
    const bytes = randomBytes(3 * MiB + 17);
    const result = await tusUpload(t.url, editor.token, bytes, { metadata: { filename: 'report.pdf', filetype: 'application/pdf' } });
    expect(result.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 201', 'PATCH 204']);
    expect(result.fileId).toMatch(/^[a-z2-7]{26}$/);
    const id = result.fileId!;

    const meta = await t.http().get(`/api/files/${id}`).set(auth(editor.token)).expect(200);
    expect(meta.body).toMatchObject({
      filename: 'report.pdf',
      contentType: 'application/pdf',
      size: bytes.length,
      sha256: hex('sha256', bytes),
      md5: hex('md5', bytes),
      owner: editor.id,
    });
    const download = await t.http().get(`/api/files/${id}?alt=media`).set(auth(editor.token)).buffer(true).parse(collectBytes).expect(200);
    expect(hex('sha256', download.body as Buffer)).toBe(hex('sha256', bytes));
    expect((await t.http().get(`/files/metadata/${id}`).set(auth(editor.token)).expect(200)).body).toMatchObject({
      filename: 'report.pdf',
    });
    await t.http().head(`/v1/file/${id}`).set(auth(editor.token)).expect(200);

    // HEAD on the upload URL afterwards still names the file.
    const head = await t.http().head(new URL(result.url).pathname).set(auth(editor.token)).set(TUS).expect(200);
    expect(head.headers['upload-offset']).toBe(String(bytes.length));
    expect(head.headers['upload-length']).toBe(String(bytes.length));
    expect(head.headers['stowage-file-id']).toBe(id);
    expect(await tusLeftovers(t.config, new URL(result.url).pathname.split('/').pop())).toEqual([]);

    await t.http().delete(`/api/files/${id}`).set(auth(editor.token)).expect(204);
    await t.http().get(`/api/files/${id}`).set(auth(editor.token)).expect(404);
  });

  it('sends a file in several PATCHes, and its first bytes with the creation request', async () => {
    const bytes = randomBytes(2 * MiB + 5);
    const result = await tusUpload(t.url, editor.token, bytes, { chunkSize: 512 * 1024, uploadDataDuringCreation: true });
    expect(result.requests.map((r) => r.method)).toEqual(['POST', 'PATCH', 'PATCH', 'PATCH', 'PATCH']);
    expect(result.requests.map((r) => r.offset)).toEqual([undefined, 512 * 1024, MiB, 1.5 * MiB, 2 * MiB]);
    const meta = await t.http().get(`/api/files/${result.fileId}`).set(auth(editor.token)).expect(200);
    expect(meta.body).toMatchObject({
      filename: 'unknown',
      contentType: 'application/octet-stream',
      sha256: hex('sha256', bytes),
      md5: hex('md5', bytes),
    });
  });

  it('lists nothing before the last byte is in', async () => {
    const before = bodyOf<Page<MolgenisFile>>(await t.http().get('/api/files').set(auth(other.token)).expect(200)).total;
    const path = await create(other.token, 1000);
    await patch(other.token, path, 0, randomBytes(999)).expect(204);
    expect(bodyOf<Page<MolgenisFile>>(await t.http().get('/api/files').set(auth(other.token)).expect(200)).total).toBe(before);
    expect((await t.http().get('/files/count').set(auth(other.token)).expect(200)).body).toEqual({ count: before });

    const done = await patch(other.token, path, 999, randomBytes(1)).expect(204);
    expect(done.headers['upload-offset']).toBe('1000');
    expect(done.headers['upload-expires']).toBeUndefined();
    expect(done.headers['stowage-file-id']).toMatch(/^[a-z2-7]{26}$/);
    expect(bodyOf<Page<MolgenisFile>>(await t.http().get('/api/files').set(auth(other.token)).expect(200)).total).toBe(before + 1);
  });

  it('resumes an upload cut off mid-way (the request aborted) from the offset the server reports', async () => {
    const bytes = randomBytes(20 * MiB);
    const stack = new GatedHttpStack(12 * MiB);
    const upload = new Upload(bytes, {
      endpoint: `${t.url}/api/uploads`,
      headers: auth(editor.token),
      retryDelays: [],
      httpStack: stack,
      metadata: { filename: 'cut.bin' },
    });
    upload.start();
    await stack.paused;
    const path = new URL(await waitForUrl(upload)).pathname;
    const id = path.split('/').pop()!;
    // The bytes sent reach the store (on S3, at least the first whole part) before the connection is cut.
    await waitFor('the first bytes to be stored', async () => (await tusBytesStored(t.config, id)) >= 8 * MiB);
    await upload.abort();

    let offset = 0;
    await waitFor('the aborted PATCH to release the upload', async () => {
      const head = await t.http().head(path).set(auth(editor.token)).set(TUS);
      offset = Number(head.headers['upload-offset']);
      return head.status === 200;
    });
    expect(offset).toBeGreaterThanOrEqual(8 * MiB);
    expect(offset).toBeLessThanOrEqual(12 * MiB);

    const resumed = await tusUpload(t.url, editor.token, bytes, { uploadUrl: `${t.url}${path}` });
    expect(resumed.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['HEAD 200', 'PATCH 204']);
    expect(resumed.requests[1].offset).toBe(offset);
    const meta = await t.http().get(`/api/files/${resumed.fileId}`).set(auth(editor.token)).expect(200);
    expect(meta.body).toMatchObject({ filename: 'cut.bin', size: bytes.length, sha256: hex('sha256', bytes), md5: hex('md5', bytes) });
    expect(await tusLeftovers(t.config, id)).toEqual([]);
  });

  it("answers another user's upload URL with 404, as it answers an upload that does not exist", async () => {
    const path = await create(editor.token, 100);
    const missing = `/api/uploads/${randomBytes(16).toString('hex')}`;
    for (const target of [path, missing]) {
      const head = await t.http().head(target).set(auth(other.token)).set(TUS);
      expect(head.status).toBe(404);
      const res = await patch(other.token, target, 0, Buffer.from('x'));
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(bodyOf<Problem>(res)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
      expect((await t.http().delete(target).set(auth(other.token)).set(TUS)).status).toBe(404);
    }
    // Admins included: an upload is its owner's alone until it is a file.
    expect((await t.http().head(path).set(auth(t.adminToken)).set(TUS)).status).toBe(404);
    // The owner's upload is untouched.
    const head = await t.http().head(path).set(auth(editor.token)).set(TUS).expect(200);
    expect(head.headers['upload-offset']).toBe('0');
  });

  it('refuses a viewer (403) and a caller without a token (401), in the native problem shape', async () => {
    const viewer = await t.createUser(['viewer']);
    const error = await tusUpload(t.url, viewer.token, Buffer.from('nope')).catch((e: unknown) => e);
    expect(statusOf(error)).toBe(403);
    const res = await t.http().post('/api/uploads').set(auth(viewer.token)).set(TUS).set('Upload-Length', '4').expect(403);
    expect(bodyOf<Problem>(res).code).toBe('FORBIDDEN');

    const anonymous = await t.http().post('/api/uploads').set(TUS).set('Upload-Length', '4').expect(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="stowage"');
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
    // x-molgenis-token works as everywhere else.
    const viaHeader = await t.http().post('/api/uploads').set('x-molgenis-token', editor.token).set(TUS).set('Upload-Length', '4');
    expect(viaHeader.status).toBe(201);
  });

  it('terminates an unfinished upload, bytes and all; a finished one is a file and stays', async () => {
    const bytes = randomBytes(3 * MiB);
    const path = await create(editor.token, 6 * MiB);
    await patch(editor.token, path, 0, bytes).expect(204);
    const id = path.split('/').pop()!;
    expect(await tusLeftovers(t.config, id)).not.toEqual([]);
    await Upload.terminate(`${t.url}${path}`, { headers: auth(editor.token) });
    expect((await t.http().head(path).set(auth(editor.token)).set(TUS)).status).toBe(404);
    expect(await tusLeftovers(t.config, id)).toEqual([]);

    const done = await tusUpload(t.url, editor.token, Buffer.from('kept'));
    const refused = await t.http().delete(new URL(done.url).pathname).set(auth(editor.token)).set(TUS);
    expect(refused.status).toBe(400);
    await t.http().get(`/api/files/${done.fileId}`).set(auth(editor.token)).expect(200);
  });

  it('lets one of two concurrent PATCHes to an upload proceed; the other gets 423', async () => {
    const bytes = randomBytes(2 * MiB);
    const path = await create(editor.token, bytes.length);
    const headers = {
      ...auth(editor.token),
      ...TUS,
      'Upload-Offset': 0,
      'Content-Type': 'application/offset+octet-stream',
      'Content-Length': bytes.length,
    };
    const first = rawRequest(`${t.url}${path}`, 'PATCH', headers);
    first.req.write(bytes.subarray(0, MiB));
    const id = path.split('/').pop()!;
    await waitFor('the first PATCH to hold the upload', () => tusUploadLocked(t.app, id));
    const second = await patch(editor.token, path, 0, bytes);
    expect(second.status).toBe(423);
    first.req.end(bytes.subarray(MiB));
    const answer = await first.response;
    expect(answer.status).toBe(204);
    expect(answer.headers['upload-offset']).toBe(String(bytes.length));
    const meta = await t
      .http()
      .get(`/api/files/${answer.headers['stowage-file-id'] as string}`)
      .set(auth(editor.token))
      .expect(200);
    expect(bodyOf<MolgenisFile>(meta).sha256).toBe(hex('sha256', bytes));
  });

  it('answers a PATCH at the wrong offset with 409, and HEAD tells where to resume', async () => {
    const path = await create(editor.token, 10);
    await patch(editor.token, path, 0, Buffer.from('abcd')).expect(204);
    const wrong = await patch(editor.token, path, 2, Buffer.from('cdef'));
    expect(wrong.status).toBe(409);
    const head = await t.http().head(path).set(auth(editor.token)).set(TUS).expect(200);
    expect(head.headers['upload-offset']).toBe('4');
    expect(head.headers['cache-control']).toBe('no-store');
    expect(head.headers['upload-expires']).toBeUndefined();
  });

  it('finishes an empty file at creation', async () => {
    const res = await t.http().post('/api/uploads').set(auth(editor.token)).set(TUS).set('Upload-Length', '0').expect(201);
    const id = res.headers['stowage-file-id'];
    const meta = await t.http().get(`/api/files/${id}`).set(auth(editor.token)).expect(200);
    expect(meta.body).toMatchObject({ size: 0, sha256: hex('sha256', Buffer.alloc(0)), md5: hex('md5', Buffer.alloc(0)) });
  });

  it('names and types the file from Upload-Metadata as other uploads are judged, and answers the metadata back', async () => {
    const metadata = `filename ${b64(' Größe\u0007.txt ')},contentType ${b64('Text/Plain')}`;
    const path = await create(editor.token, 3, metadata);
    const head = await t.http().head(path).set(auth(editor.token)).set(TUS).expect(200);
    expect(head.headers['upload-metadata']).toBe(metadata);
    const done = await patch(editor.token, path, 0, Buffer.from('abc')).expect(204);
    const meta = await t.http().get(`/api/files/${done.headers['stowage-file-id']}`).set(auth(editor.token)).expect(200);
    expect(meta.body).toMatchObject({ filename: 'Größe.txt', contentType: 'text/plain' });
  });

  it('speaks the tus protocol: discovery, Tus-Resumable, lengths it does not take', async () => {
    const options = await t.http().options('/api/uploads').expect(204);
    expect(options.headers['tus-version']).toBe('1.0.0');
    expect(options.headers['tus-extension']).toBe('creation,creation-with-upload,termination,expiration');
    expect(options.headers['tus-max-size']).toBe(String(t.config.uploads.maxBytes));
    // CORS is off: tus' own CORS headers are not sent either.
    expect(Object.keys(options.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);

    expect((await t.http().post('/api/uploads').set(auth(editor.token)).set('Upload-Length', '4')).status).toBe(412);
    expect((await t.http().post('/api/uploads').set(auth(editor.token)).set(TUS).set('Upload-Defer-Length', '1')).status).toBe(501);
    expect((await t.http().post('/api/uploads').set(auth(editor.token)).set(TUS)).status).toBe(400);
    expect(
      (await t.http().post('/api/uploads').set(auth(editor.token)).set(TUS).set('Upload-Length', '4').set('Upload-Metadata', 'x !!'))
        .status,
    ).toBe(400);
  });
});

/** tus-js-client knows the upload URL once its POST was answered. */
async function waitForUrl(upload: Upload): Promise<string> {
  await waitFor('the upload URL', () => upload.url !== null);
  return upload.url!;
}
