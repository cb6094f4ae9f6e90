import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { postFile, uploadRows } from './support/appmixer-client.js';
import { auth, bodyOf, Problem } from './support/http.js';
import { partialUploads, storedObjects } from './support/stored-objects.js';
import { startTestApp, TestApp } from './support/test-app.js';

const QUOTA_BYTES = 1000;
const QUOTA_FILES = 4;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A raw POST whose body the test controls: `declared` goes out as Content-Length (else the body is chunked), and only
 * `send` bytes are written before the answer is awaited, so a server that waited for the whole body would never answer.
 */
function rawPost(url: string, path: string, token: string, send: Buffer, declared?: number, endBody = true): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...auth(token), 'Content-Type': 'application/octet-stream' };
    if (declared !== undefined) headers['Content-Length'] = String(declared);
    else headers['Transfer-Encoding'] = 'chunked';
    const req = httpRequest(new URL(path, url), { method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    // The server may close the connection while the rest of a refused body is still on its way.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    req.write(send);
    if (endBody) req.end();
  });
}

describe('quotas: QUOTA_BYTES_PER_USER, QUOTA_FILES_PER_USER, per-user overrides', () => {
  let t: TestApp;
  let editor: { id: string; token: string };

  const me = async (token: string) => (await t.http().get('/api/auth/me').set(auth(token)).expect(200)).body as Record<string, unknown>;
  const upload = (token: string, bytes: Buffer) =>
    t.http().post('/api/files').set(auth(token)).set('x-molgenis-filename', 'q.bin').send(bytes);
  const nothingLeftBehind = async (objectsBefore: string[]) => {
    expect((await storedObjects(t.config)).sort()).toEqual(objectsBefore.sort());
    expect(await partialUploads(t.config)).toEqual([]);
  };

  beforeAll(async () => {
    t = await startTestApp({ QUOTA_BYTES_PER_USER: String(QUOTA_BYTES), QUOTA_FILES_PER_USER: String(QUOTA_FILES) });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    editor = await t.createUser(['editor']);
  });

  it('GET /api/auth/me shows usage and limits, kept up to date by uploads and deletes', async () => {
    expect(await me(editor.token)).toMatchObject({ usage: { bytes: 0, files: 0 }, limits: { bytes: QUOTA_BYTES, files: QUOTA_FILES } });
    const first = await upload(editor.token, randomBytes(300)).expect(201);
    await upload(editor.token, randomBytes(200)).expect(201);
    expect((await me(editor.token)).usage).toEqual({ bytes: 500, files: 2 });
    await t
      .http()
      .delete(`/api/files/${bodyOf<{ id: string }>(first).id}`)
      .set(auth(editor.token))
      .expect(204);
    expect((await me(editor.token)).usage).toEqual({ bytes: 200, files: 1 });
    // Whoever deletes it (here an admin), the owner's usage goes down.
    const third = await upload(editor.token, randomBytes(50)).expect(201);
    await t
      .http()
      .delete(`/api/files/${bodyOf<{ id: string }>(third).id}`)
      .set(auth(t.adminToken))
      .expect(204);
    expect((await me(editor.token)).usage).toEqual({ bytes: 200, files: 1 });
  });

  it('native: a declared Content-Length past the quota is 507 QUOTA_EXCEEDED before the body is read', async () => {
    await upload(editor.token, randomBytes(900)).expect(201);
    const before = await storedObjects(t.config);
    // 10 bytes sent of 200 declared, and the request left open: only an answer given before reading can arrive.
    const res = await rawPost(t.url, '/api/files', editor.token, randomBytes(10), 200, false);
    expect(res.status).toBe(507);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({
      status: 507,
      title: 'Insufficient Storage',
      code: 'QUOTA_EXCEEDED',
      errors: [{ code: 'QUOTA_EXCEEDED' }],
    });
    expect((JSON.parse(res.body) as { detail: string }).detail).toMatch(/100 of 1000 bytes are left/);
    await nothingLeftBehind(before);
    expect((await me(editor.token)).usage).toEqual({ bytes: 900, files: 1 });
    // What still fits is accepted, to the byte.
    await upload(editor.token, randomBytes(100)).expect(201);
    await upload(editor.token, Buffer.alloc(0)).expect(201);
  });

  it('native: a chunked body that passes the quota mid-stream is 507, and nothing is left of it', async () => {
    await upload(editor.token, randomBytes(600)).expect(201);
    const before = await storedObjects(t.config);
    const res = await rawPost(t.url, '/api/files', editor.token, randomBytes(401));
    expect(res.status).toBe(507);
    expect(JSON.parse(res.body)).toMatchObject({ status: 507, code: 'QUOTA_EXCEEDED' });
    await nothingLeftBehind(before);
    expect((await me(editor.token)).usage).toEqual({ bytes: 600, files: 1 });
    expect((await rawPost(t.url, '/api/files', editor.token, randomBytes(400))).status).toBe(201);
  });

  it('the file quota refuses one file too many in every dialect', async () => {
    for (let i = 0; i < QUOTA_FILES; i++) await upload(editor.token, Buffer.from(`f${i}`)).expect(201);
    const before = await storedObjects(t.config);
    const native = await upload(editor.token, Buffer.from('one more')).expect(507);
    expect(native.body).toMatchObject({ status: 507, code: 'QUOTA_EXCEEDED' });
    expect(bodyOf<Problem>(native).detail).toMatch(/quota of 4 files/);
    const hasura = await t.http().post('/v1/file').set(auth(editor.token)).send(Buffer.from('one more')).expect(507);
    expect(hasura.body).toEqual({ error: expect.stringMatching(/quota of 4 files/), code: 'QUOTA_EXCEEDED' });
    const appmixer = await postFile(t, editor.token, 'one more').expect(507);
    expect(appmixer.body).toEqual({
      statusCode: 507,
      error: 'Insufficient Storage',
      message: expect.stringMatching(/quota of 4 files/),
      code: 'QUOTA_EXCEEDED',
    });
    await nothingLeftBehind(before);
    expect((await me(editor.token)).usage).toMatchObject({ files: QUOTA_FILES });
  });

  it('Hasura: 507 in the filestore shape, before reading and mid-stream', async () => {
    await upload(editor.token, randomBytes(700)).expect(201);
    const before = await storedObjects(t.config);
    const declared = await rawPost(t.url, '/v1/file/quota-declared', editor.token, randomBytes(10), 301, false);
    expect(declared.status).toBe(507);
    expect(JSON.parse(declared.body)).toEqual({ error: expect.stringMatching(/300 of 1000 bytes are left/), code: 'QUOTA_EXCEEDED' });
    const streamed = await rawPost(t.url, '/v1/file/quota-streamed', editor.token, randomBytes(301));
    expect(streamed.status).toBe(507);
    expect(JSON.parse(streamed.body)).toEqual({ error: expect.any(String), code: 'QUOTA_EXCEEDED' });
    await nothingLeftBehind(before);
    await t.http().get('/v1/file/quota-streamed').set(auth(editor.token)).expect(404);
  });

  it('Appmixer: a single-part file and a chunk that pass the quota are 507 in Boom shape, leaving no bytes and no chunk row', async () => {
    await upload(editor.token, randomBytes(500)).expect(201);
    const before = await storedObjects(t.config);
    const whole = await postFile(t, editor.token, randomBytes(501)).expect(507);
    expect(whole.body).toMatchObject({ statusCode: 507, error: 'Insufficient Storage', code: 'QUOTA_EXCEEDED' });
    await nothingLeftBehind(before);

    // Chunks count as they arrive: 250 + 250 fill the 500 left; a third chunk does not fit.
    const first = await postFile(t, editor.token, randomBytes(250), { 'uploader-chunks-total': 3, 'uploader-chunk-number': 1 }).expect(200);
    const uploadId = (first.body as { fileId: string }).fileId;
    await postFile(t, editor.token, randomBytes(250), {
      'uploader-file-id': uploadId,
      'uploader-chunks-total': 3,
      'uploader-chunk-number': 2,
    }).expect(200);
    const rowsBefore = await uploadRows(t);
    const objectsWithChunks = await storedObjects(t.config);
    const third = await postFile(t, editor.token, randomBytes(1), {
      'uploader-file-id': uploadId,
      'uploader-chunks-total': 3,
      'uploader-chunk-number': 3,
    }).expect(507);
    expect(third.body).toMatchObject({ statusCode: 507, code: 'QUOTA_EXCEEDED' });
    expect(await uploadRows(t)).toEqual(rowsBefore);
    await nothingLeftBehind(objectsWithChunks);
    // The upload stays open: with room made, the refused chunk is sent again and the file completes.
    await t.http().patch(`/api/users/${editor.id}`).set(auth(t.adminToken)).send({ quotaBytes: 2000 }).expect(200);
    const done = await postFile(t, editor.token, randomBytes(1), {
      'uploader-file-id': uploadId,
      'uploader-chunks-total': 3,
      'uploader-chunk-number': 3,
    }).expect(200);
    expect(done.body).toMatchObject({ fileId: uploadId, length: 501 });
    expect((await me(editor.token)).usage).toEqual({ bytes: 1001, files: 2 });
  });

  it('tus: an Upload-Length past the quota, counting unfinished uploads as taken, is 507 before any byte', async () => {
    const create = (length: number) =>
      t
        .http()
        .post('/api/uploads')
        .set(auth(editor.token))
        .set('Tus-Resumable', '1.0.0')
        .set('Upload-Length', String(length))
        .set('Upload-Metadata', `filename ${Buffer.from('q.bin').toString('base64')}`);
    const objectsBefore = await storedObjects(t.config);
    const tooBig = await create(QUOTA_BYTES + 1).expect(507);
    expect(bodyOf<Problem>(tooBig).code).toBe('QUOTA_EXCEEDED');
    // An unfinished upload holds its declared size: a second one that would not fit beside it is refused.
    const first = await create(600).expect(201);
    expect(first.headers.location).toMatch(/^\/api\/uploads\//);
    const second = await create(600).expect(507);
    expect(bodyOf<Problem>(second).code).toBe('QUOTA_EXCEEDED');
    const third = await create(400).expect(201);
    // Terminated, the two admitted uploads leave nothing; the refused ones never made anything.
    for (const created of [first, third]) {
      await t.http().delete(created.headers.location).set(auth(editor.token)).set('Tus-Resumable', '1.0.0').expect(204);
    }
    await nothingLeftBehind(objectsBefore);
  });

  it('concurrent uploads: each is capped by what was left when it started, so together they pass by at most the files in flight', async () => {
    const before = await storedObjects(t.config);
    // Each body alone passes the quota: every one is refused, however many run at once.
    const tooBig = await Promise.all([0, 1, 2, 3].map(() => rawPost(t.url, '/api/files', editor.token, randomBytes(QUOTA_BYTES + 1))));
    expect(tooBig.map((res) => res.status)).toEqual([507, 507, 507, 507]);
    await nothingLeftBehind(before);

    const size = 400;
    const results = await Promise.all([0, 1, 2, 3].map(() => rawPost(t.url, '/api/files', editor.token, randomBytes(size))));
    const stored = results.filter((res) => res.status === 201).length;
    expect(results.every((res) => res.status === 201 || res.status === 507)).toBe(true);
    // At least what fits one after another (2 of 400 in 1000); beyond the quota by at most the other uploads in flight.
    expect(stored).toBeGreaterThanOrEqual(2);
    const usage = (await me(editor.token)).usage as { bytes: number };
    expect(usage.bytes).toBe(stored * size);
    expect(usage.bytes).toBeLessThanOrEqual(QUOTA_BYTES + (results.length - 1) * size);
    // Once committed, the usage counts: nothing more gets in.
    if (usage.bytes + 1 > QUOTA_BYTES) await upload(editor.token, Buffer.from('x')).expect(507);
  });

  it('admins override a user’s quota with PATCH /api/users/{id}; null goes back to the default', async () => {
    await upload(editor.token, randomBytes(900)).expect(201);
    await upload(editor.token, randomBytes(200)).expect(507);

    const raised = await t
      .http()
      .patch(`/api/users/${editor.id}`)
      .set(auth(t.adminToken))
      .send({ quotaBytes: 5000, quotaFiles: 10 })
      .expect(200);
    expect(raised.body).toMatchObject({ id: editor.id, quotaBytes: 5000, quotaFiles: 10 });
    expect((await me(editor.token)).limits).toEqual({ bytes: 5000, files: 10 });
    await upload(editor.token, randomBytes(200)).expect(201);
    const listed = await t.http().get('/api/users?limit=1000').set(auth(t.adminToken)).expect(200);
    expect((listed.body as { items: { id: string }[] }).items.find((u: { id: string }) => u.id === editor.id)).toMatchObject({
      quotaBytes: 5000,
      quotaFiles: 10,
    });

    // Only quotaBytes back to the default; quotaFiles stays.
    const reset = await t.http().patch(`/api/users/${editor.id}`).set(auth(t.adminToken)).send({ quotaBytes: null }).expect(200);
    expect(reset.body).toMatchObject({ quotaBytes: null, quotaFiles: 10 });
    expect((await me(editor.token)).limits).toEqual({ bytes: QUOTA_BYTES, files: 10 });
    // Files already stored stay, above the quota; new bytes are refused.
    expect((await me(editor.token)).usage).toEqual({ bytes: 1100, files: 2 });
    await upload(editor.token, Buffer.from('x')).expect(507);
  });

  it('PATCH /api/users/{id} refuses bad bodies (400), unknown users (404) and non-admins (403), in problem+json', async () => {
    const patch = (body: unknown, id = editor.id, token = t.adminToken) =>
      t
        .http()
        .patch(`/api/users/${id}`)
        .set(auth(token))
        .send(body as object);
    for (const body of [{}, { quotaBytes: -1 }, { quotaBytes: 1.5 }, { quotaFiles: 'ten' }, { quotaBytes: 10, roles: ['admin'] }]) {
      const res = await patch(body).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(bodyOf<Problem>(res).code).toBe('VALIDATION_FAILED');
    }
    const missing = await patch({ quotaBytes: 10 }, '00000000-0000-4000-8000-000000000000').expect(404);
    expect(bodyOf<Problem>(missing).code).toBe('USER_NOT_FOUND');
    await patch({ quotaBytes: 10 }, 'not-a-uuid').expect(404);
    await patch({ quotaBytes: 10 }, editor.id, editor.token).expect(403);
    expect((await me(editor.token)).limits).toEqual({ bytes: QUOTA_BYTES, files: QUOTA_FILES });
  });
});

// Its own app, started after the one above is closed: two apps in one process would share passport's strategies.
describe('quotas beside MAX_UPLOAD_BYTES', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await startTestApp({ QUOTA_BYTES_PER_USER: '1000000', MAX_UPLOAD_BYTES: '100' });
  });
  afterAll(async () => {
    await small?.close();
  });

  it('MAX_UPLOAD_BYTES still answers 413 when it, not the quota, is the limit passed', async () => {
    const res = await small.http().post('/api/files').set(auth(small.adminToken)).send(randomBytes(101));
    expect(res.status).toBe(413);
    expect(bodyOf<Problem>(res).code).toBe('PAYLOAD_TOO_LARGE');
    const chunked = await rawPost(small.url, '/api/files', small.adminToken, randomBytes(101));
    expect(chunked.status).toBe(413);
  });
});

describe('quotas: unset means unlimited', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('documents PATCH /api/users/{id}, the quota fields and 507 on every upload route in OpenAPI', async () => {
    interface Operation {
      responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
      requestBody?: unknown;
    }
    const doc = (await t.http().get('/api/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const patch = doc.paths['/api/users/{id}'].patch;
    expect(Object.keys(patch.responses).sort()).toEqual(['200', '400', '401', '403', '404', '429', '503']);
    expect(patch.responses['404'].content?.['application/problem+json'].schema.$ref).toBe('#/components/schemas/ProblemDto');
    expect(patch.requestBody).toBeDefined();
    expect(Object.keys(doc.components.schemas.UpdateUserDto.properties).sort()).toEqual(['quotaBytes', 'quotaFiles']);
    expect(Object.keys(doc.components.schemas.MeDto.properties)).toEqual(expect.arrayContaining(['usage', 'limits']));
    expect(doc.paths['/api/files'].post.responses['507'].content?.['application/problem+json']).toBeDefined();
    expect(doc.paths['/files'].post.responses['507'].content?.['application/json'].schema.$ref).toBe(
      '#/components/schemas/AppmixerErrorDto',
    );
    expect(doc.paths['/v1/file'].post.responses['507'].content?.['application/json'].schema.$ref).toBe(
      '#/components/schemas/HasuraErrorDto',
    );
  });

  it('shows null limits and accepts uploads; an override alone limits one user', async () => {
    const editor = await t.createUser(['editor']);
    const me = await t.http().get('/api/auth/me').set(auth(editor.token)).expect(200);
    expect(me.body).toMatchObject({ usage: { bytes: 0, files: 0 }, limits: { bytes: null, files: null } });
    await t.http().post('/api/files').set(auth(editor.token)).send(randomBytes(5000)).expect(201);
    await t.http().patch(`/api/users/${editor.id}`).set(auth(t.adminToken)).send({ quotaFiles: 1 }).expect(200);
    const refused = await t.http().post('/api/files').set(auth(editor.token)).send(randomBytes(10)).expect(507);
    expect(bodyOf<Problem>(refused).code).toBe('QUOTA_EXCEEDED');
    await t.http().post('/api/files').set(auth(t.adminToken)).send(randomBytes(10)).expect(201);
  });
});
