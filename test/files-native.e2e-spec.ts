import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { parse as parseDisposition } from 'content-disposition';
import type { Response } from 'supertest';
import { collectBytes } from './support/bytes.js';
import { auth, bodyOf, MolgenisFile, Problem } from './support/http.js';
import { partialUploads, storedObjects } from './support/stored-objects.js';
import { startTestApp, TestApp } from './support/test-app.js';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

describe('native Files API (/api/files)', () => {
  let t: TestApp;
  let editor: { id: string; token: string };
  let otherEditor: { id: string; token: string };
  let viewer: { id: string; token: string };

  beforeAll(async () => {
    t = await startTestApp({ MAX_UPLOAD_BYTES: String(64 * 1024) });
    editor = await t.createUser(['editor']);
    otherEditor = await t.createUser(['editor']);
    viewer = await t.createUser(['viewer']);
  });
  afterAll(async () => {
    await t?.close();
  });

  const upload = (token: string, body: Buffer | string, headers: Record<string, string> = {}) =>
    t
      .http()
      .post('/api/files')
      .set(auth(token))
      .set(headers)
      .send(Buffer.isBuffer(body) ? body : Buffer.from(body));

  describe('POST /api/files', () => {
    it('stores the raw body: 201, Location, metadata with size and hashes', async () => {
      const body = Buffer.from('hello, stowage');
      const res = await upload(editor.token, body, { 'Content-Type': 'text/plain', 'x-molgenis-filename': 'hello.txt' }).expect(201);
      expect(res.body).toMatchObject({
        filename: 'hello.txt',
        contentType: 'text/plain',
        size: body.length,
        sha256: sha256(body),
        owner: editor.id,
      });
      expect(bodyOf<MolgenisFile>(res).id).toMatch(/^[a-z2-7]{26}$/);
      expect(res.headers.location).toBe(`/api/files/${bodyOf<MolgenisFile>(res).id}`);
      const download = await t.http().get(`${res.headers.location}?alt=media`).set(auth(editor.token)).expect(200);
      expect(download.text).toBe('hello, stowage');
    });

    it('accepts x-molgenis-token as the credential, and JSON bodies are stored, not parsed', async () => {
      const res = await t
        .http()
        .post('/api/files')
        .set('x-molgenis-token', editor.token)
        .set('Content-Type', 'application/json')
        .send('{"a": 1}')
        .expect(201);
      expect(res.body).toMatchObject({ contentType: 'application/json', size: 8, filename: 'unknown' });
      const download = await t
        .http()
        .get(`/api/files/${bodyOf<MolgenisFile>(res).id}?alt=media`)
        .set(auth(editor.token))
        .buffer(true)
        .parse(collectBytes);
      expect((download.body as Buffer).toString()).toBe('{"a": 1}');
    });

    it('defaults: application/octet-stream, filename "unknown"; an invalid Content-Type is stored as octet-stream', async () => {
      const res = await upload(editor.token, 'x', { 'Content-Type': 'None' }).expect(201);
      expect(res.body).toMatchObject({ contentType: 'application/octet-stream', filename: 'unknown' });
    });

    it('stores a 0-byte file', async () => {
      const res = await upload(editor.token, Buffer.alloc(0)).expect(201);
      expect(bodyOf<MolgenisFile>(res).size).toBe(0);
      expect(bodyOf<MolgenisFile>(res).sha256).toBe(sha256(''));
      const download = await t
        .http()
        .get(`/api/files/${bodyOf<MolgenisFile>(res).id}?alt=media`)
        .set(auth(editor.token))
        .expect(200);
      expect(download.headers['content-length']).toBe('0');
    });

    it('decodes percent-encoded UTF-8 filenames and keeps odd names as data', async () => {
      const names: Array<[string, string]> = [
        [encodeURIComponent('résumé 2026 ✓.pdf'), 'résumé 2026 ✓.pdf'],
        ['../../etc/passwd', '../../etc/passwd'],
        ['say "hi".txt', 'say "hi".txt'],
        [encodeURIComponent('a\r\nSet-Cookie: x=1.txt'), 'aSet-Cookie: x=1.txt'],
        [encodeURIComponent('nul\u0000byte'), 'nulbyte'],
      ];
      for (const [header, stored] of names) {
        const res = await upload(editor.token, 'data', { 'x-molgenis-filename': header }).expect(201);
        expect(bodyOf<MolgenisFile>(res).filename).toBe(stored);
        const download = await t
          .http()
          .get(`/api/files/${bodyOf<MolgenisFile>(res).id}?alt=media`)
          .set(auth(editor.token))
          .expect(200);
        const disposition = download.headers['content-disposition'];
        expect(disposition).not.toMatch(/[\r\n\0]/);
        expect(download.headers['set-cookie']).toBeUndefined();
        const parsed = parseDisposition(disposition);
        expect(parsed.type).toBe('attachment');
        expect(parsed.parameters.filename).toBe(stored);
      }
    });

    it('415 for form bodies, storing nothing', async () => {
      const before = (await storedObjects(t.config)).length;
      for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const res = await upload(editor.token, 'a=b', { 'Content-Type': type }).expect(415);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
      }
      expect((await storedObjects(t.config)).length).toBe(before);
    });

    it('413 when Content-Length says too much, before reading', async () => {
      const res = await t
        .http()
        .post('/api/files')
        .set(auth(editor.token))
        .set('Content-Length', String(10 * 1024 * 1024))
        .send(Buffer.alloc(10))
        .catch((e: { response?: Response }) => e.response);
      // The server answers before the (never-sent) body: supertest sees the 413 or a reset once it is refused.
      if (res) expect(res.status).toBe(413);
    });

    it('413 when a chunked body grows past the limit while streaming, leaving no bytes and no row', async () => {
      const before = await storedObjects(t.config);
      const status = await new Promise<number>((resolve, reject) => {
        const url = new URL('/api/files', t.url);
        const req = httpRequest(url, { method: 'POST', headers: { ...auth(editor.token), 'Transfer-Encoding': 'chunked' } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        const chunk = Buffer.alloc(16 * 1024, 1);
        let sent = 0;
        const pump = () => {
          while (sent < 8) {
            sent++;
            if (!req.write(chunk)) return req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
      expect(status).toBe(413);
      expect(await storedObjects(t.config)).toEqual(before);
    });

    it('a client that aborts mid-upload leaves no row and no bytes', async () => {
      const before = await storedObjects(t.config);
      const listBefore = (await t.http().get('/api/auth/me').set(auth(editor.token))).status;
      expect(listBefore).toBe(200);
      await new Promise<void>((resolve) => {
        const url = new URL('/api/files', t.url);
        const req = httpRequest(url, { method: 'POST', headers: { ...auth(editor.token), 'Content-Length': '100000' } });
        req.on('error', () => resolve());
        req.write(Buffer.alloc(30000, 7));
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 200);
      });
      // Give the server a moment to notice and clean up.
      await new Promise((r) => setTimeout(r, 500));
      expect(await storedObjects(t.config)).toEqual(before);
      expect(await partialUploads(t.config)).toEqual([]);
    });

    it('handles concurrent uploads, each stored whole under its own id and name (their rows share INSERTs)', async () => {
      // Names with what an array literal escapes: the rows of concurrent uploads go to the database as arrays.
      const names = ['a,b.txt', '{braces}.txt', 'say "hi".txt', 'back\\slash.txt', 'NULL', 'ünï 日本.txt', ' ', 'x'.repeat(255)];
      const bodies = Array.from({ length: 12 }, (_, i) => Buffer.alloc(20_000 + i * 97, i));
      const filename = (i: number) => names[i % names.length];
      const results = await Promise.all(
        bodies.map((b, i) => upload(editor.token, b, { 'x-molgenis-filename': encodeURIComponent(filename(i)) })),
      );
      const ids = new Set(results.map((r) => bodyOf<MolgenisFile>(r).id));
      expect(ids.size).toBe(bodies.length);
      for (const [i, r] of results.entries()) {
        expect(r.status).toBe(201);
        expect(bodyOf<MolgenisFile>(r).sha256).toBe(sha256(bodies[i]));
        const meta = await t
          .http()
          .get(`/api/files/${bodyOf<MolgenisFile>(r).id}`)
          .set(auth(editor.token))
          .expect(200);
        expect(meta.body).toEqual(r.body);
        expect(bodyOf<MolgenisFile>(meta).filename).toBe(filename(i).trim() || 'unknown');
      }
    });

    it('401 without or with bad credentials', async () => {
      const res = await t.http().post('/api/files').send(Buffer.from('x')).expect(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      await upload('not-a-jwt', 'x').expect(401);
    });

    it('403 for a viewer (no WRITE permission)', async () => {
      const res = await upload(viewer.token, 'x').expect(403);
      expect(bodyOf<Problem>(res).code).toBe('FORBIDDEN');
      expect(bodyOf<Problem>(res).detail).toContain('file:write');
    });
  });

  describe('GET /api/files/{id} and ?alt=media', () => {
    let fileId: string;
    beforeAll(async () => {
      fileId = bodyOf<MolgenisFile>(
        await upload(editor.token, 'owned by editor', { 'Content-Type': 'image/png', 'x-molgenis-filename': 'logo.png' }),
      ).id;
    });

    it('returns metadata to the owner', async () => {
      const res = await t.http().get(`/api/files/${fileId}`).set(auth(editor.token)).expect(200);
      expect(res.body).toMatchObject({ id: fileId, filename: 'logo.png', contentType: 'image/png', size: 15 });
    });

    it('streams the content with its headers', async () => {
      const res = await t.http().get(`/api/files/${fileId}?alt=media`).set(auth(editor.token)).expect(200);
      expect(res.headers['content-type']).toBe('image/png');
      expect(res.headers['content-length']).toBe('15');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-disposition']).toContain('attachment');
    });

    it('admins read every file', async () => {
      await t.http().get(`/api/files/${fileId}`).set(auth(t.adminToken)).expect(200);
      await t.http().get(`/api/files/${fileId}?alt=media`).set(auth(t.adminToken)).expect(200);
    });

    it('403 for another user without READ on the file, for metadata and content', async () => {
      for (const user of [otherEditor, viewer]) {
        await t.http().get(`/api/files/${fileId}`).set(auth(user.token)).expect(403);
        const res = await t.http().get(`/api/files/${fileId}?alt=media`).set(auth(user.token)).expect(403);
        expect(res.text).not.toContain('owned by editor');
      }
    });

    it('404 for an unknown id, including ids that could never exist', async () => {
      await t.http().get('/api/files/doesnotexist').set(auth(editor.token)).expect(404);
      await t.http().get('/api/files/doesnotexist?alt=media').set(auth(editor.token)).expect(404);
      await t
        .http()
        .get(`/api/files/${'x'.repeat(500)}`)
        .set(auth(editor.token))
        .expect(404);
      await t.http().get('/api/files/%2e%2e%2fetc').set(auth(editor.token)).expect(404);
    });

    it('400 for an unknown alt value', async () => {
      const res = await t.http().get(`/api/files/${fileId}?alt=zip`).set(auth(editor.token)).expect(400);
      expect(bodyOf<Problem>(res).code).toBe('VALIDATION_FAILED');
    });

    it('401 without credentials', async () => {
      await t.http().get(`/api/files/${fileId}`).expect(401);
    });
  });

  describe('DELETE /api/files/{id}', () => {
    it('204 removes the row and the bytes', async () => {
      const id = bodyOf<MolgenisFile>(await upload(editor.token, 'short-lived')).id;
      const before = (await storedObjects(t.config)).length;
      await t.http().delete(`/api/files/${id}`).set(auth(editor.token)).expect(204);
      await t.http().get(`/api/files/${id}`).set(auth(editor.token)).expect(404);
      expect((await storedObjects(t.config)).length).toBe(before - 1);
    });

    it('403 for someone without WRITE on the file; the file survives', async () => {
      const id = bodyOf<MolgenisFile>(await upload(editor.token, 'keep me')).id;
      await t.http().delete(`/api/files/${id}`).set(auth(otherEditor.token)).expect(403);
      await t.http().delete(`/api/files/${id}`).set(auth(viewer.token)).expect(403);
      const res = await t.http().get(`/api/files/${id}?alt=media`).set(auth(editor.token)).buffer(true).parse(collectBytes).expect(200);
      expect((res.body as Buffer).toString()).toBe('keep me');
    });

    it('admins delete any file', async () => {
      const id = bodyOf<MolgenisFile>(await upload(editor.token, 'admin removes')).id;
      await t.http().delete(`/api/files/${id}`).set(auth(t.adminToken)).expect(204);
    });

    it('404 for an unknown id', async () => {
      await t.http().delete('/api/files/nothere').set(auth(editor.token)).expect(404);
    });

    it('401 without credentials', async () => {
      await t.http().delete('/api/files/whatever').expect(401);
    });
  });
});
