import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { DataSource } from 'typeorm';
import { StorageProvider } from '../src/storage/storage-provider.js';
import { postFile } from './support/appmixer-client.js';
import { auth, bodyOf, BoomError, MolgenisFile, Page, Problem } from './support/http.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { captureLogs, LogLine } from './support/test-logger.js';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const TUS = { 'Tus-Resumable': '1.0.0' };
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Findings of the outside review (issue 14): inputs, errors and races, each through real HTTP. */
describe('hardening: inputs, errors and races', () => {
  let t: TestApp;
  let alice: { id: string; username: string; token: string };
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ UPLOAD_SESSIONS_PER_USER: '3' });
    alice = await t.createUser(['editor']);
    db = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
  });

  const upload = async (token: string, headers: Record<string, string> = {}) => {
    const res = await t
      .http()
      .post('/api/files')
      .set(auth(token))
      .set({ 'Content-Type': 'text/plain', 'x-molgenis-filename': 'f.txt', ...headers })
      .send(Buffer.from(`content-${randomBytes(4).toString('hex')}`));
    return res;
  };
  const fileCount = async () => Number((await db.query<{ n: string }[]>('SELECT count(*) AS n FROM file_meta'))[0].n);

  describe('filenames longer than 255 characters are 400 on every upload route', () => {
    const long = 'a'.repeat(252) + '.txt'; // 256 characters
    const longest = '\u{1f600}'.repeat(251) + '.txt'; // 255 characters, 1,008 bytes

    it('native x-molgenis-filename header', async () => {
      const before = await fileCount();
      const res = await upload(alice.token, { 'x-molgenis-filename': encodeURIComponent(long) });
      expect(res.status).toBe(400);
      expect(bodyOf<Problem>(res).detail).toMatch(/256 characters.*at most 255/);
      const ok = await upload(alice.token, { 'x-molgenis-filename': encodeURIComponent(longest) });
      expect(ok.status).toBe(201);
      expect(bodyOf<MolgenisFile>(ok).filename).toBe(longest);
      expect(await fileCount()).toBe(before + 1);
    });

    it('Appmixer multipart part filename and its filename header', async () => {
      const before = await fileCount();
      const part = await postFile(t, alice.token, 'abc', {}, long);
      expect(part.status).toBe(400);
      expect(bodyOf<BoomError>(part)).toMatchObject({ statusCode: 400, message: expect.stringMatching(/at most 255/) });
      const header = await postFile(t, alice.token, 'abc', { 'uploader-file-name': encodeURIComponent(long) });
      expect(header.status).toBe(400);
      expect(await fileCount()).toBe(before);
    });

    it('tus Upload-Metadata filename', async () => {
      const res = await t
        .http()
        .post('/api/uploads')
        .set(auth(alice.token))
        .set({ ...TUS, 'Upload-Length': '3', 'Upload-Metadata': `filename ${b64(long)}` });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/at most 255/);
    });
  });

  it('a filter value over 1,024 characters is 400, `~text` included, in both listing dialects', async () => {
    const text = 'x'.repeat(1025);
    for (const path of [
      `/files?filter=filename:~${text}`,
      `/files/count?filter=filename:~${text}`,
      `/api/files?filter=filename:~${text}`,
    ]) {
      const res = await t.http().get(path).set(auth(alice.token));
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.text).toMatch(/longer than 1024 characters/);
    }
    await t
      .http()
      .get(`/files?filter=filename:~${'x'.repeat(1024)}`)
      .set(auth(alice.token))
      .expect(200);
  });

  it('a wildcard Content-Type (*/*, image/*) is stored as application/octet-stream', async () => {
    for (const type of ['*/*', 'image/*']) {
      const native = await upload(alice.token, { 'Content-Type': type });
      expect(native.status).toBe(201);
      expect(bodyOf<MolgenisFile>(native).contentType).toBe('application/octet-stream');
    }
    const appmixer = await t.http().post('/files').set(auth(alice.token)).attach('file', Buffer.from('abc'), {
      filename: 'a.png',
      contentType: 'image/*',
    });
    expect(appmixer.status).toBe(200);
    expect(bodyOf<{ contentType: string }>(appmixer).contentType).toBe('application/octet-stream');
  });

  it('a client that aborts mid-upload is logged as a client abort, never as a database outage', async () => {
    const lines: LogLine[] = await captureLogs(async (seen) => {
      await new Promise<void>((resolve) => {
        const url = new URL('/api/files', t.url);
        const req = httpRequest(url, {
          method: 'POST',
          headers: { ...auth(alice.token), 'Content-Type': 'application/octet-stream', 'Content-Length': String(1 << 20) },
        });
        req.on('error', () => resolve());
        req.on('response', () => resolve());
        // Part of the body, then the client hangs up.
        req.write(randomBytes(64 * 1024), () => setTimeout(() => req.destroy(), 100));
      });
      // Until the service has dealt with the abort (it logs a line about it), within a generous bound.
      for (let waited = 0; waited < 10_000 && !seen.some((l) => l.text.includes('POST /api/files')); waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    const about = lines.filter((l) => l.text.includes('/api/files'));
    expect(about.length).toBeGreaterThan(0);
    expect(about.map((l) => l.text).join('\n')).not.toMatch(/DATABASE_UNAVAILABLE|database/i);
    expect(about.every((l) => l.level === 'warn')).toBe(true);
    expect(about.map((l) => l.text).join('\n')).toMatch(/client aborted/);
  });

  it('a file whose bytes are missing from storage is a 500 STORAGE_INCONSISTENT in every dialect, logged with the key, never shown', async () => {
    const file = bodyOf<MolgenisFile>(await upload(alice.token));
    const [{ storage_key: key }] = await db.query<{ storage_key: string }[]>('SELECT storage_key FROM file_meta WHERE id = $1', [file.id]);
    await t.app.get(StorageProvider).delete(key);

    const lines = await captureLogs(async () => {
      const native = await t.http().get(`/api/files/${file.id}?alt=media`).set(auth(alice.token));
      expect(native.status).toBe(500);
      expect(bodyOf<Problem>(native).code).toBe('STORAGE_INCONSISTENT');
      expect(native.text).not.toContain(key);
      const hasura = await t.http().get(`/v1/file/${file.id}`).set(auth(alice.token));
      expect(hasura.status).toBe(500);
      expect(bodyOf<{ code: string }>(hasura).code).toBe('STORAGE_INCONSISTENT');
      expect(hasura.text).not.toContain(key);
    });
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.filter((l) => l.text.includes(key))).toHaveLength(2);
  });

  it('single delete removes exactly the row it checked: a row replaced meanwhile is not deleted', async () => {
    const bob = await t.createUser(['editor']);
    const file = bodyOf<MolgenisFile>(await upload(alice.token));
    // The test's own transaction holds the row, so Alice's DELETE (already past its checks) waits for it; meanwhile the
    // row becomes another file: Bob's, with other bytes (as a delete and a re-create under the same id).
    const runner = db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query('SELECT 1 FROM file_meta WHERE id = $1 FOR UPDATE', [file.id]);
      const deleting = t
        .http()
        .delete(`/api/files/${file.id}`)
        .set(auth(alice.token))
        .then((r) => r);
      await waitForLockWaiter();
      await runner.query(`UPDATE file_meta SET owner_id = $2, storage_key = $3 WHERE id = $1`, [file.id, bob.id, `replaced-${file.id}`]);
      await runner.commitTransaction();
      const res = await deleting;
      expect(res.status).toBe(404);
    } finally {
      await runner.release();
    }
    const rows = await db.query<{ owner_id: string }[]>('SELECT owner_id FROM file_meta WHERE id = $1', [file.id]);
    expect(rows).toEqual([{ owner_id: bob.id }]);
  });

  /** Until some backend waits on a row lock (the app's DELETE), within a generous bound. */
  async function waitForLockWaiter(): Promise<void> {
    for (let waited = 0; waited < 10_000; waited += 20) {
      const rows = await db.query<unknown[]>(
        `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE 'DELETE FROM "file_meta"%' AND datname = current_database()`,
      );
      if (rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('The DELETE never waited for the lock');
  }

  it('the native listing says whether its total is exact', async () => {
    const res = await t.http().get('/api/files?limit=1').set(auth(alice.token)).expect(200);
    const page = bodyOf<Page<MolgenisFile> & { totalExact: boolean }>(res);
    expect(page.totalExact).toBe(true);
    expect(page.total).toBe(
      Number((await db.query<{ n: string }[]>('SELECT count(*) AS n FROM file_meta WHERE owner_id = $1', [alice.id]))[0].n),
    );
  });

  describe('chunked uploads (/files)', () => {
    const chunk = (token: string, uploadId: string, content: string, number = 0, total = 2) =>
      postFile(t, token, content, { 'uploader-file-id': uploadId, 'uploader-chunks-total': total, 'uploader-chunk-number': number });

    it('two users may use the same uploader-file-id at once: each gets their own upload, neither sees the other', async () => {
      const [u1, u2] = [await t.createUser(['editor']), await t.createUser(['editor'])];
      const id = 'guessable-upload-1';
      const first = await chunk(u1.token, id, 'one-').expect(200);
      const second = await chunk(u2.token, id, 'TWO-').expect(200);
      // The same answer as for a fresh id: nothing says that someone else holds it.
      expect(bodyOf<{ length: number; md5: null }>(second)).toMatchObject({ length: 4, md5: null });
      const done1 = await chunk(u1.token, id, 'end', 1).expect(200);
      const done2 = await chunk(u2.token, id, 'END', 1).expect(200);
      const [f1, f2] = [bodyOf<{ fileId: string; length: number }>(done1), bodyOf<{ fileId: string; length: number }>(done2)];
      expect(f1.fileId).toBe(bodyOf<{ fileId: string }>(first).fileId);
      expect(f2.fileId).toBe(bodyOf<{ fileId: string }>(second).fileId);
      expect(bodyOf<{ md5: string }>(done1).md5).toBe(md5('one-end'));
      expect(bodyOf<{ md5: string }>(done2).md5).toBe(md5('TWO-END'));
      await t.http().get(`/files/metadata/${f1.fileId}`).set(auth(u2.token)).expect(403);
    });

    it('caps open upload sessions per user (UPLOAD_SESSIONS_PER_USER) with a 429 in the Appmixer shape', async () => {
      const [u, other] = [await t.createUser(['editor']), await t.createUser(['editor'])];
      for (const n of [1, 2, 3]) await chunk(u.token, `open-${n}`, 'x').expect(200);
      const refused = await chunk(u.token, 'open-4', 'x').expect(429);
      expect(bodyOf<BoomError>(refused)).toMatchObject({ statusCode: 429, error: 'Too Many Requests', code: 'TOO_MANY_REQUESTS' });
      expect(bodyOf<BoomError>(refused).message).toMatch(/UPLOAD_SESSIONS_PER_USER/);
      // Continuing an open one, a one-part upload, and another user are not held back.
      await chunk(u.token, 'open-1', 'y', 1).expect(200);
      await postFile(t, u.token, 'whole').expect(200);
      await chunk(other.token, 'open-4', 'x').expect(200);
      // The finished one freed its place.
      await chunk(u.token, 'open-4', 'x').expect(200);
    });

    it('a one-part upload resent with the same uploader-file-id returns the same file, not a second one', async () => {
      const u = await t.createUser(['editor']);
      const once = await postFile(t, u.token, 'only part', { 'uploader-file-id': 'single-1', 'uploader-chunks-total': 1 }).expect(200);
      const again = await postFile(t, u.token, 'only part', { 'uploader-file-id': 'single-1', 'uploader-chunks-total': 1 }).expect(200);
      expect(bodyOf<{ fileId: string }>(again).fileId).toBe(bodyOf<{ fileId: string }>(once).fileId);
      expect(bodyOf<{ md5: string }>(again).md5).toBe(bodyOf<{ md5: string }>(once).md5);
      const mine = await db.query<{ n: string }[]>('SELECT count(*) AS n FROM file_meta WHERE owner_id = $1', [u.id]);
      expect(Number(mine[0].n)).toBe(1);
    });
  });
});
