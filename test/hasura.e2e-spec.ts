import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { auth, bodyOf, HasuraError, HasuraFile, MolgenisFile, OpenApiDocument, Page, User } from './support/http.js';
import { storedObjects } from './support/stored-objects.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { quietLogs } from './support/test-logger.js';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const newId = () => `id-${randomBytes(8).toString('hex')}`;
const localStorage = !process.env.TEST_STORAGE_DRIVER || process.env.TEST_STORAGE_DRIVER === 'local';

/** A download as raw bytes (fetch: no body parser in the way). */
async function download(t: TestApp, path: string, headers: Record<string, string>) {
  const res = await fetch(t.url + path, { headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/**
 * An upload whose headers go out at once and whose body waits for `finish()`: two of these for one id both get
 * past the "is the id free?" check before either can commit, so the database's unique key decides.
 */
function heldUpload(t: TestApp, path: string, token: string, body: Buffer) {
  const { hostname, port } = new URL(t.url);
  let finish!: () => void;
  let bodySent = false;
  const response = new Promise<{ status: number; json: Record<string, unknown>; afterBody: boolean }>((resolve, reject) => {
    const req = httpRequest(
      {
        hostname,
        port,
        path,
        method: 'POST',
        headers: { ...auth(token), 'Content-Type': 'application/octet-stream', 'Content-Length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        const afterBody = bodySent;
        res.on('end', () =>
          resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>, afterBody }),
        );
      },
    );
    // A 409 may come before the body is sent, and the server then closes the connection.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
    req.flushHeaders();
    finish = () => {
      bodySent = true;
      req.end(body);
    };
  });
  return { response, finish: () => finish() };
}

const FILE_SHAPE = {
  file_id: expect.any(String),
  content_type: expect.any(String),
  file_status: 'uploaded',
  file_size: expect.any(Number),
  user_id: expect.anything(),
  user_role: expect.any(String),
  created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
};

describe('Hasura filestore API (/v1/file)', () => {
  let t: TestApp;
  let editor: { id: string; token: string };
  let otherEditor: { id: string; token: string };
  let viewer: { id: string; token: string };
  const MAX = 1024 * 1024;

  beforeAll(async () => {
    t = await startTestApp({ MAX_UPLOAD_BYTES: String(MAX) });
    editor = await t.createUser(['editor']);
    otherEditor = await t.createUser(['editor']);
    viewer = await t.createUser(['viewer']);
  });
  afterAll(async () => {
    await t?.close();
  });

  const upload = (token: string, path: string, body: Buffer | string, contentType = 'application/octet-stream') =>
    t
      .http()
      .post(path)
      .set(auth(token))
      .set('Content-Type', contentType)
      .send(Buffer.isBuffer(body) ? body : Buffer.from(body));

  describe('POST /v1/file/:fileId', () => {
    it('200 with the file record as exactly application/json; the bytes are stored whole', async () => {
      const id = '05c40f1e-cdaf-4e29-8976-38c899';
      const body = randomBytes(5000);
      const res = await upload(editor.token, `/v1/file/${id}`, body, 'image/png').expect(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.body).toEqual({
        ...FILE_SHAPE,
        file_id: id,
        content_type: 'image/png',
        file_size: 5000,
        user_id: editor.id,
        user_role: 'editor',
      });
      expect(Date.now() - Date.parse(bodyOf<HasuraFile>(res).created_at)).toBeLessThan(60_000);
      const got = await download(t, `/v1/file/${id}`, auth(editor.token));
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('image/png');
      expect(sha256(got.bytes)).toBe(sha256(body));
    });

    it("user_role is the caller's highest role", async () => {
      const res = await upload(t.adminToken, `/v1/file/${newId()}`, 'x').expect(200);
      expect(bodyOf<HasuraFile>(res).user_role).toBe('admin');
    });

    it('stores the Content-Type; without one, application/octet-stream', async () => {
      const typed = await upload(editor.token, `/v1/file/${newId()}`, '{"a":1}', 'application/json').expect(200);
      expect(bodyOf<HasuraFile>(typed).content_type).toBe('application/json');
      const res = await t
        .http()
        .post(`/v1/file/${newId()}`)
        .set(auth(editor.token))
        .send(Buffer.from('x'))
        .unset('Content-Type')
        .expect(200);
      expect(bodyOf<HasuraFile>(res).content_type).toBe('application/octet-stream');
    });

    it('accepts UUIDs and [A-Za-z0-9._-] ids up to 128 characters, and a 0-byte body', async () => {
      for (const id of ['6f1c2a3e-1b2c-4d5e-8f90-a1b2c3d4e5f6', 'report_2024.v2-final', 'a'.repeat(128), 'A', '9..x']) {
        const res = await upload(editor.token, `/v1/file/${id}`, '').expect(200);
        expect(res.body).toMatchObject({ file_id: id, file_size: 0 });
      }
    });

    it('400 {path, error} for ids with path characters, dot segments, unicode, or too long; nothing stored', async () => {
      const before = await storedObjects(t.config);
      const bad = [
        'a%2Fb',
        '..',
        '.',
        '%2E%2E',
        '.hidden',
        '-x',
        'a%5Cb',
        'caf%C3%A9',
        '%E2%9C%93',
        'a'.repeat(129),
        'a%20b',
        'a%00b',
        'a:b',
        'a%3Fb',
      ];
      for (const id of bad) {
        const res = await upload(editor.token, `/v1/file/${id}`, 'should not be stored');
        expect({ id, status: res.status }).toEqual({ id, status: 400 });
        expect(res.body).toEqual({ path: '$', error: expect.stringContaining('not a valid file id'), code: 'VALIDATION_FAILED' });
      }
      for (const path of ['/v1/file/a/b', '/v1/file/a/../b', '/v1/file/a%ZZ']) {
        const res = await upload(editor.token, path, 'should not be stored').expect(400);
        expect(res.body).toEqual({
          path: '$',
          error: expect.stringMatching(/cannot contain '\/'|Failed to decode/),
          code: 'VALIDATION_FAILED',
        });
      }
      expect(await storedObjects(t.config)).toEqual(before);
    });

    it('409 {path, error} for a taken id; the stored file is untouched', async () => {
      const id = newId();
      const first = randomBytes(2000);
      await upload(editor.token, `/v1/file/${id}`, first, 'text/plain').expect(200);
      for (const token of [editor.token, t.adminToken]) {
        const res = await upload(token, `/v1/file/${id}`, 'another body', 'image/gif').expect(409);
        expect(res.body).toEqual({ path: '$', error: `A file with id '${id}' already exists.`, code: 'FILE_ID_TAKEN' });
      }
      const got = await download(t, `/v1/file/${id}`, auth(editor.token));
      expect(got.headers.get('content-type')).toBe('text/plain');
      expect(sha256(got.bytes)).toBe(sha256(first));
    });

    it('two concurrent uploads for one id: exactly one 200, one 409, one whole body stored and no orphaned bytes', async () => {
      for (let round = 0; round < 3; round++) {
        const id = newId();
        const bodies = [randomBytes(256 * 1024), randomBytes(256 * 1024)];
        const before = (await storedObjects(t.config)).length;
        const uploads = bodies.map((body) => heldUpload(t, `/v1/file/${id}`, editor.token, body));
        // Both requests are now past the id check, waiting for their bodies.
        await new Promise((resolve) => setTimeout(resolve, 400));
        uploads.forEach((u) => u.finish());
        const results = await Promise.all(uploads.map((u) => u.response));

        expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
        const winner = results.findIndex((r) => r.status === 200);
        expect(results[1 - winner].json).toMatchObject({ path: '$', code: 'FILE_ID_TAKEN' });
        // The loser was answered only after its body was stored: the database's unique key decided, not the pre-check.
        expect(results[1 - winner].afterBody).toBe(true);
        expect(results[winner].json).toMatchObject({ file_id: id, file_size: bodies[winner].length });
        const got = await download(t, `/v1/file/${id}`, auth(editor.token));
        expect(sha256(got.bytes)).toBe(sha256(bodies[winner]));
        expect((await storedObjects(t.config)).length).toBe(before + 1);
      }
    });

    it('413 {path, error} when Content-Length is over MAX_UPLOAD_BYTES, and for a chunked body that grows past it', async () => {
      const declared = await upload(editor.token, `/v1/file/${newId()}`, Buffer.alloc(MAX + 1)).expect(413);
      expect(declared.body).toMatchObject({ path: '$', error: expect.stringContaining('larger than'), code: 'PAYLOAD_TOO_LARGE' });

      const id = newId();
      const { hostname, port } = new URL(t.url);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          { hostname, port, path: `/v1/file/${id}`, method: 'POST', headers: { ...auth(editor.token), 'Transfer-Encoding': 'chunked' } },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        );
        req.on('error', (error: NodeJS.ErrnoException) =>
          error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error),
        );
        const chunk = Buffer.alloc(64 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent <= MAX && req.write(chunk)) sent += chunk.length;
          if (sent <= MAX) req.once('drain', () => ((sent += chunk.length), pump()));
          else req.end();
        };
        pump();
      });
      expect(status).toBe(413);
      await t.http().get(`/v1/file/${id}`).set(auth(editor.token)).expect(404);
    });

    it('415 {path, error} for form bodies', async () => {
      const res = await t.http().post(`/v1/file/${newId()}`).set(auth(editor.token)).field('file', 'x').expect(415);
      expect(res.body).toMatchObject({ path: '$', error: expect.stringContaining('not a form'), code: 'UNSUPPORTED_MEDIA_TYPE' });
    });

    it('401 {error} without or with a bad token', async () => {
      const none = await t.http().post(`/v1/file/${newId()}`).send(Buffer.from('x')).expect(401);
      expect(none.body).toEqual({ error: expect.stringContaining('Authentication required'), code: 'UNAUTHENTICATED' });
      expect(none.headers['www-authenticate']).toMatch(/^Bearer /);
      const bad = await upload('not-a-token', `/v1/file/${newId()}`, 'x').expect(401);
      expect(bad.body).toEqual({ error: expect.stringContaining('Invalid token'), code: 'UNAUTHENTICATED' });
    });

    it('403 {error} for a viewer', async () => {
      const res = await upload(viewer.token, `/v1/file/${newId()}`, 'x').expect(403);
      expect(res.body).toEqual({ error: expect.stringContaining('file:write'), code: 'FORBIDDEN' });
    });
  });

  describe('POST /v1/file', () => {
    it('200: the server makes the id', async () => {
      const res = await upload(editor.token, '/v1/file', 'server id', 'text/plain').expect(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.body).toEqual({
        ...FILE_SHAPE,
        file_id: expect.stringMatching(/^[a-z2-7]{26}$/),
        content_type: 'text/plain',
        file_size: 9,
        user_id: editor.id,
        user_role: 'editor',
      });
      const got = await download(t, `/v1/file/${bodyOf<HasuraFile>(res).file_id}`, auth(editor.token));
      expect(got.bytes.toString()).toBe('server id');
    });

    it('401, 403, 413 and 415 as with a chosen id', async () => {
      await t.http().post('/v1/file').send(Buffer.from('x')).expect(401);
      await upload(viewer.token, '/v1/file', 'x').expect(403);
      await upload(editor.token, '/v1/file', Buffer.alloc(MAX + 1)).expect(413);
      await t.http().post('/v1/file').set(auth(editor.token)).type('form').send({ a: 1 }).expect(415);
    });
  });

  (localStorage ? it : it.skip)(
    '500 {error} on both upload routes when storage fails, without leaking the cause; nothing is kept',
    async () => {
      const tmp = join(t.config.dataDir, 'files', 'tmp');
      const before = await storedObjects(t.config);
      // The provider writes into tmp/ first: a symlink to itself there makes the write fail with ELOOP.
      await rm(tmp, { recursive: true });
      await symlink(tmp, tmp);
      try {
        for (const path of [`/v1/file/${newId()}`, '/v1/file']) {
          const res = await quietLogs(/failed: INTERNAL/, async () => upload(editor.token, path, 'x').expect(500));
          expect(res.body).toEqual({ error: 'An unexpected error occurred.', code: 'INTERNAL' });
        }
      } finally {
        await rm(tmp);
        await mkdir(tmp);
      }
      expect(await storedObjects(t.config)).toEqual(before);
      await upload(editor.token, '/v1/file', 'x').expect(200);
    },
  );

  describe('GET /v1/file/:fileId', () => {
    let id: string;
    const body = randomBytes(3000);
    beforeAll(async () => {
      id = newId();
      await upload(editor.token, `/v1/file/${id}`, body, 'application/pdf').expect(200);
    });

    it('streams the bytes with the stored Content-Type and the download headers of the native API', async () => {
      const got = await download(t, `/v1/file/${id}`, auth(editor.token));
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('application/pdf');
      expect(got.headers.get('content-length')).toBe('3000');
      expect(got.headers.get('x-content-type-options')).toBe('nosniff');
      expect(got.headers.get('etag')).toBe(`"${sha256(body)}"`);
      // The filestore has no filenames: the id names the download.
      expect(got.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="?${id}"?$`));
      expect(got.bytes.equals(body)).toBe(true);
    });

    it('admins read every file', async () => {
      expect((await download(t, `/v1/file/${id}`, auth(t.adminToken))).status).toBe(200);
    });

    it('HEAD: the same headers and permission checks, no body', async () => {
      const head = await t.http().head(`/v1/file/${id}`).set(auth(editor.token)).expect(200);
      expect(head.headers['content-length']).toBe('3000');
      expect(head.headers['etag']).toBe(`"${sha256(body)}"`);
      expect(head.headers['accept-ranges']).toBe('bytes');
      await t.http().head(`/v1/file/${id}`).set(auth(otherEditor.token)).expect(403);
      await t.http().head(`/v1/file/${id}`).expect(401);
      await t.http().head(`/v1/file/no-such-file`).set(auth(editor.token)).expect(404);
    });

    it('the download semantics of the native API: 206 for a range, 304 when cached, 412 and 416 in filestore shapes', async () => {
      const part = await download(t, `/v1/file/${id}`, { ...auth(editor.token), Range: 'bytes=100-199' });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe('bytes 100-199/3000');
      expect(part.bytes.equals(body.subarray(100, 200))).toBe(true);
      const cached = await download(t, `/v1/file/${id}`, { ...auth(editor.token), 'If-None-Match': `"${sha256(body)}"` });
      expect(cached.status).toBe(304);
      expect(cached.bytes.length).toBe(0);
      const failed = await t.http().get(`/v1/file/${id}`).set(auth(editor.token)).set('If-Match', '"another"').expect(412);
      expect(failed.body).toEqual({ error: expect.any(String), code: 'PRECONDITION_FAILED' });
      const outside = await t.http().get(`/v1/file/${id}`).set(auth(editor.token)).set('Range', 'bytes=5000-').expect(416);
      expect(outside.body).toEqual({ path: '$', error: expect.any(String), code: 'RANGE_NOT_SATISFIABLE' });
      expect(outside.headers['content-range']).toBe('bytes */3000');
    });

    it('403 {error} for another user', async () => {
      const res = await t.http().get(`/v1/file/${id}`).set(auth(otherEditor.token)).expect(403);
      expect(res.body).toEqual({ error: expect.stringContaining('READ permission'), code: 'FORBIDDEN' });
    });

    it('404 {error} for an unknown id, and for ids that could never exist', async () => {
      for (const unknown of [newId(), '..', 'caf%C3%A9', 'a'.repeat(200)]) {
        const res = await t.http().get(`/v1/file/${unknown}`).set(auth(editor.token)).expect(404);
        expect(res.body).toEqual({ error: expect.stringContaining('was not found'), code: 'FILE_NOT_FOUND' });
      }
    });

    it('401 {error} without credentials', async () => {
      const res = await t.http().get(`/v1/file/${id}`).expect(401);
      expect(res.body).toEqual({ error: expect.any(String), code: 'UNAUTHENTICATED' });
    });

    (localStorage ? it : it.skip)('500 {error} when the stored bytes cannot be read, without leaking the cause', async () => {
      const before = await storedObjects(t.config);
      const broken = newId();
      await upload(editor.token, `/v1/file/${broken}`, 'soon unreadable').expect(200);
      const [object] = (await storedObjects(t.config)).filter((path) => !before.includes(path));
      // A symlink to itself: open() fails with ELOOP, an error the service has no answer for.
      await rm(object);
      await symlink(object, object);
      const res = await quietLogs(/failed: INTERNAL/, async () => t.http().get(`/v1/file/${broken}`).set(auth(editor.token)).expect(500));
      expect(res.body).toEqual({ error: 'An unexpected error occurred.', code: 'INTERNAL' });
      await rm(object);
    });
  });

  describe('DELETE /v1/file/:fileId', () => {
    it('200 with the file record as exactly application/json; the file and its bytes are gone', async () => {
      const id = newId();
      const before = (await storedObjects(t.config)).length;
      await upload(editor.token, `/v1/file/${id}`, 'bye', 'text/plain').expect(200);
      const res = await t.http().delete(`/v1/file/${id}`).set(auth(editor.token)).expect(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.body).toEqual({
        ...FILE_SHAPE,
        file_id: id,
        content_type: 'text/plain',
        file_size: 3,
        user_id: editor.id,
        user_role: 'editor',
      });
      await t.http().get(`/v1/file/${id}`).set(auth(editor.token)).expect(404);
      expect((await storedObjects(t.config)).length).toBe(before);
    });

    it('admins delete any file (user_id / user_role name the caller)', async () => {
      const id = newId();
      await upload(editor.token, `/v1/file/${id}`, 'x').expect(200);
      const res = await t.http().delete(`/v1/file/${id}`).set(auth(t.adminToken)).expect(200);
      expect(res.body).toMatchObject({ file_id: id, user_role: 'admin' });
    });

    it('403 {error} for another user, and for a viewer; the file survives', async () => {
      const id = newId();
      await upload(editor.token, `/v1/file/${id}`, 'x').expect(200);
      const other = await t.http().delete(`/v1/file/${id}`).set(auth(otherEditor.token)).expect(403);
      expect(other.body).toEqual({ error: expect.stringContaining('WRITE permission'), code: 'FORBIDDEN' });
      const byViewer = await t.http().delete(`/v1/file/${id}`).set(auth(viewer.token)).expect(403);
      expect(byViewer.body).toEqual({ error: expect.any(String), code: 'FORBIDDEN' });
      await t.http().get(`/v1/file/${id}`).set(auth(editor.token)).expect(200);
    });

    it('404 {error} for an unknown id', async () => {
      const res = await t.http().delete(`/v1/file/${newId()}`).set(auth(editor.token)).expect(404);
      expect(res.body).toEqual({ error: expect.stringContaining('was not found'), code: 'FILE_NOT_FOUND' });
    });

    it('401 {error} without credentials', async () => {
      const res = await t.http().delete(`/v1/file/${newId()}`).expect(401);
      expect(res.body).toEqual({ error: expect.any(String), code: 'UNAUTHENTICATED' });
    });
  });

  describe('one file, every API', () => {
    it('uploaded here: the same file at /api/files/{id} and ?alt=media', async () => {
      const id = newId();
      const body = randomBytes(1234);
      await upload(editor.token, `/v1/file/${id}`, body, 'image/jpeg').expect(200);
      const meta = await t.http().get(`/api/files/${id}`).set(auth(editor.token)).expect(200);
      expect(meta.body).toMatchObject({ id, contentType: 'image/jpeg', size: 1234, sha256: sha256(body), owner: editor.id });
      const got = await download(t, `/api/files/${id}?alt=media`, auth(editor.token));
      expect(got.status).toBe(200);
      expect(got.bytes.equals(body)).toBe(true);
      // ... and deleting it natively removes it here.
      await t.http().delete(`/api/files/${id}`).set(auth(editor.token)).expect(204);
      await t.http().get(`/v1/file/${id}`).set(auth(editor.token)).expect(404);
    });

    it('uploaded natively: the same file at /v1/file/{id}, and its id is taken here', async () => {
      const body = randomBytes(777);
      const native = bodyOf<MolgenisFile>(
        await t.http().post('/api/files').set(auth(editor.token)).set('Content-Type', 'audio/ogg').send(body).expect(201),
      );
      const got = await download(t, `/v1/file/${native.id}`, auth(editor.token));
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('audio/ogg');
      expect(got.bytes.equals(body)).toBe(true);
      await upload(editor.token, `/v1/file/${native.id}`, 'x').expect(409);
      const deleted = await t.http().delete(`/v1/file/${native.id}`).set(auth(editor.token)).expect(200);
      expect(deleted.body).toMatchObject({ file_id: native.id, content_type: 'audio/ogg', file_size: 777 });
    });
  });

  describe('X-Hasura-* headers with HASURA_TRUST_HEADERS off (the default)', () => {
    it('are ignored: no token is 401, and a token decides who the caller is', async () => {
      const gateway = { 'X-Hasura-User-Id': '42', 'X-Hasura-Role': 'admin' };
      const res = await t.http().post(`/v1/file/${newId()}`).set(gateway).send(Buffer.from('x')).expect(401);
      expect(res.body).toMatchObject({ error: expect.stringContaining('Authentication required') });
      const withToken = await upload(viewer.token, `/v1/file/${newId()}`, 'x').set(gateway).expect(403);
      expect(bodyOf<HasuraError>(withToken).code).toBe('FORBIDDEN');
      const asEditor = await upload(editor.token, `/v1/file/${newId()}`, 'x').set(gateway).expect(200);
      expect(asEditor.body).toMatchObject({ user_id: editor.id, user_role: 'editor' });
    });
  });

  it('documents every route, header and error in the OpenAPI document', async () => {
    const doc = bodyOf<OpenApiDocument>(await t.http().get('/api/docs-json').expect(200));
    expect(
      Object.keys(doc.paths)
        .filter((path) => path.startsWith('/v1/file'))
        .sort(),
    ).toEqual(['/v1/file', '/v1/file/{fileId}']);
    const one = doc.paths['/v1/file/{fileId}'];
    expect(Object.keys(one).sort()).toEqual(['delete', 'get', 'head', 'post']);
    expect(Object.keys(one.head.responses).sort()).toEqual(Object.keys(one.get.responses).sort());
    expect(Object.keys(doc.paths['/v1/file'])).toEqual(['post']);
    expect(Object.keys(doc.paths['/v1/file'].post.responses).sort()).toEqual(['200', '401', '403', '413', '415', '429', '503', '507']);
    expect(Object.keys(one.post.responses).sort()).toEqual(['200', '400', '401', '403', '409', '413', '415', '429', '503', '507']);
    expect(one.post.responses['507'].content['application/json'].schema.$ref).toBe('#/components/schemas/HasuraErrorDto');
    expect(Object.keys(one.get.responses).sort()).toEqual(['200', '206', '304', '401', '403', '404', '412', '416', '429', '500', '503']);
    expect(one.get.responses['416'].content['application/json'].schema.$ref).toBe('#/components/schemas/HasuraRequestErrorDto');
    expect(one.get.responses['412'].content['application/json'].schema.$ref).toBe('#/components/schemas/HasuraErrorDto');
    expect(Object.keys(one.delete.responses).sort()).toEqual(['200', '401', '403', '404', '429', '503']);
    expect(one.post.responses['409'].content['application/json'].schema.$ref).toBe('#/components/schemas/HasuraRequestErrorDto');
    expect(one.get.responses['404'].content['application/json'].schema.$ref).toBe('#/components/schemas/HasuraErrorDto');
    // The rate-limit guard's answers (src/throttle/rate-limit.openapi.ts), in the filestore's shape.
    expect(one.get.responses['429'].content['application/json'].schema.$ref).toBe('#/components/schemas/HasuraErrorDto');
    // Content-Type is the request body's media type (OpenAPI ignores it as a header parameter); Content-Length is not a field.
    const headers = one.post.parameters.filter((p) => p.in === 'header').map((p) => p.name);
    expect(headers).toEqual(expect.arrayContaining(['X-Hasura-User-Id', 'X-Hasura-Role']));
    expect(headers).not.toEqual(expect.arrayContaining(['Content-Length']));
    expect(Object.keys(one.post.requestBody.content)).toEqual(expect.arrayContaining(['application/octet-stream', 'text/plain']));
    expect(doc.components.schemas.HasuraFileDto.required).toEqual(
      expect.arrayContaining(['file_id', 'content_type', 'file_status', 'file_size', 'user_id', 'user_role', 'created_at']),
    );
  });
});

describe('Hasura filestore API with HASURA_TRUST_HEADERS=true', () => {
  let t: TestApp;
  const gateway = (userId: string, role?: string) => ({
    'X-Hasura-User-Id': userId,
    ...(role === undefined ? {} : { 'X-Hasura-Role': role }),
  });

  beforeAll(async () => {
    t = await startTestApp({ HASURA_TRUST_HEADERS: 'true' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('authenticates from the headers: the external user owns the file and is reported as the caller', async () => {
    const id = newId();
    const res = await t
      .http()
      .post(`/v1/file/${id}`)
      .set(gateway('42', 'user'))
      .set('Content-Type', 'text/plain')
      .send(Buffer.from('from the gateway'))
      .expect(200);
    expect(res.body).toEqual({ ...FILE_SHAPE, file_id: id, content_type: 'text/plain', file_size: 16, user_id: 42, user_role: 'user' });
    const got = await download(t, `/v1/file/${id}`, gateway('42', 'user'));
    expect(got.bytes.toString()).toBe('from the gateway');

    // Recorded on first sight (once, however many requests), so that it can own files; it has no usable password.
    const users = await t.http().get('/api/users?limit=100').set(auth(t.adminToken)).expect(200);
    const list = bodyOf<Page<User>>(users).items;
    const recorded = list.filter((u) => u.username === 'hasura:42');
    expect(recorded).toHaveLength(1);
    const meta = await t.http().get(`/api/files/${id}`).set(auth(t.adminToken)).expect(200);
    expect(bodyOf<MolgenisFile>(meta).owner).toBe(recorded[0].id);
    await t
      .http()
      .post('/api/auth/login')
      .send({ username: 'hasura:42', password: '' })
      .expect((r) => expect([400, 401]).toContain(r.status));
    await t.http().post('/api/auth/login').send({ username: 'hasura:42', password: 'any-password' }).expect(401);
  });

  it('non-numeric external ids are reported as strings', async () => {
    const res = await t.http().post(`/v1/file/${newId()}`).set(gateway('auth0_x', 'editor')).send(Buffer.from('x')).expect(200);
    expect(res.body).toMatchObject({ user_id: 'auth0_x', user_role: 'editor' });
  });

  it('concurrent first requests of a new external user record it once', async () => {
    const results = await Promise.all(
      Array.from({ length: 4 }, () => t.http().post(`/v1/file/${newId()}`).set(gateway('77', 'user')).send(Buffer.from('x'))),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const users = await t.http().get('/api/users?limit=100').set(auth(t.adminToken)).expect(200);
    const list = bodyOf<Page<User>>(users).items;
    expect(list.filter((u) => u.username === 'hasura:77')).toHaveLength(1);
  });

  it('maps roles: user/editor write, admin reads everything, anything else only reads', async () => {
    const id = newId();
    await t.http().post(`/v1/file/${id}`).set(gateway('7', 'editor')).send(Buffer.from('mine')).expect(200);
    const other = await t.http().get(`/v1/file/${id}`).set(gateway('8', 'user')).expect(403);
    expect(other.body).toEqual({ error: expect.any(String), code: 'FORBIDDEN' });
    await t.http().get(`/v1/file/${id}`).set(gateway('8', 'admin')).expect(200);
    for (const role of ['anonymous', 'viewer', undefined]) {
      const res = await t.http().post(`/v1/file/${newId()}`).set(gateway('9', role)).send(Buffer.from('x')).expect(403);
      expect(res.body).toEqual({ error: expect.stringContaining('file:write'), code: 'FORBIDDEN' });
    }
    const deleted = await t.http().delete(`/v1/file/${id}`).set(gateway('8', 'admin')).expect(200);
    expect(deleted.body).toMatchObject({ file_id: id, user_id: 8, user_role: 'admin' });
  });

  it('401 {error} for a malformed X-Hasura-User-Id', async () => {
    for (const bad of ['', 'a b', 'x'.repeat(58), 'a:b']) {
      const res = await t.http().post(`/v1/file/${newId()}`).set('X-Hasura-User-Id', bad).send(Buffer.from('x')).expect(401);
      expect(res.body).toEqual({ error: expect.stringContaining('X-Hasura-User-Id'), code: 'UNAUTHENTICATED' });
    }
  });

  it('without X-Hasura-User-Id a token still works; the headers win over a token on /v1/file', async () => {
    const editor = await t.createUser(['editor']);
    const byToken = await t.http().post(`/v1/file/${newId()}`).set(auth(editor.token)).send(Buffer.from('x')).expect(200);
    expect(bodyOf<HasuraFile>(byToken).user_id).toBe(editor.id);
    const both = await t
      .http()
      .post(`/v1/file/${newId()}`)
      .set(auth(editor.token))
      .set(gateway('5', 'user'))
      .send(Buffer.from('x'))
      .expect(200);
    expect(bodyOf<HasuraFile>(both).user_id).toBe(5);
  });

  it('only on /v1/file: the native API ignores the headers', async () => {
    await t.http().post('/api/files').set(gateway('42', 'admin')).send(Buffer.from('x')).expect(401);
    await t.http().get('/api/users').set(gateway('42', 'admin')).expect(401);
  });
});
