import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import HugeUploader from 'huge-uploader';
import { UploadSweeper } from '../src/files/uploads/upload-sweeper.js';
import { postFile, uploadRows } from './support/appmixer-client.js';
import { collectBytes } from './support/bytes.js';
import { AppmixerFile, auth, bodyOf, BoomError, MolgenisFile } from './support/http.js';
import { storedObjects } from './support/stored-objects.js';
import { startTestApp, TestApp } from './support/test-app.js';

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');
const APPMIXER_KEYS = ['chunkSize', 'contentType', 'fileId', 'filename', 'length', 'md5', 'metadata', 'uploadDate'];

/** What huge-uploader needs of a browser under Node: `window` events and a FileReader. */
function installBrowserShims() {
  const g = globalThis as Record<string, unknown>;
  g.window ??= new EventTarget();
  g.FileReader ??= class {
    result: ArrayBuffer | null = null;
    onload: (() => void) | null = null;
    readAsArrayBuffer(blob: Blob) {
      void blob.arrayBuffer().then((buffer) => {
        this.result = buffer;
        this.onload?.();
      });
    }
  };
}

/** Runs a real huge-uploader upload to the end; resolves with the last response body. */
function hugeUpload(
  endpoint: string,
  token: string,
  content: Buffer,
  chunkBytes: number,
  headers: Record<string, string> = {},
): Promise<string> {
  installBrowserShims();
  return new Promise((resolve, reject) => {
    const uploader = new HugeUploader({
      endpoint,
      file: new File([content], 'ignored-by-huge-uploader.bin', { type: 'application/octet-stream' }),
      headers: { Authorization: `Bearer ${token}`, ...headers },
      chunkSize: chunkBytes / 1_000_000,
      retries: 1,
      delayBeforeRetry: 0.1,
    });
    uploader.on('finish', (event: Event) => resolve((event as CustomEvent<string>).detail));
    uploader.on('error', (event: Event) => {
      const detail = (event as CustomEvent<unknown>).detail;
      reject(new Error(`huge-uploader failed: ${detail instanceof Response ? detail.status : String(detail)}`));
    });
  });
}

describe('Appmixer Files API: uploads (POST /files)', () => {
  let t: TestApp;
  let editor: { id: string; token: string };
  let other: { id: string; token: string };
  let viewer: { id: string; token: string };

  beforeAll(async () => {
    t = await startTestApp({ MAX_UPLOAD_BYTES: String(256 * 1024) });
    editor = await t.createUser(['editor']);
    other = await t.createUser(['editor']);
    viewer = await t.createUser(['viewer']);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores a single-part upload: 200 with exactly the Appmixer metadata, downloadable through /api/files', async () => {
    const content = 'hello, appmixer';
    const res = await postFile(t, editor.token, content, {}, 'hello.txt').expect(200);
    const file = bodyOf<AppmixerFile>(res);
    expect(Object.keys(file).sort()).toEqual(APPMIXER_KEYS);
    expect(res.body).toMatchObject({
      length: content.length,
      filename: 'hello.txt',
      md5: md5(content),
      metadata: { userId: editor.id },
      contentType: 'text/plain',
    });
    expect(new Date(file.uploadDate).toISOString()).toBe(file.uploadDate);
    const download = await t.http().get(`/api/files/${file.fileId}?alt=media`).set(auth(editor.token)).expect(200);
    expect(download.text).toBe(content);
  });

  it('uploader-file-name names the file; chunks-total 1 is the whole file', async () => {
    const res = await postFile(t, editor.token, 'x', { 'uploader-file-name': 'r%C3%A9sum%C3%A9.txt', 'uploader-chunks-total': 1 }).expect(
      200,
    );
    expect(bodyOf<AppmixerFile>(res).filename).toBe('résumé.txt');
    expect(bodyOf<AppmixerFile>(res).md5).toBe(md5('x'));
  });

  it('a file uploaded through /api/files is read and deleted through /files', async () => {
    const native = await t
      .http()
      .post('/api/files')
      .set(auth(editor.token))
      .set('x-molgenis-filename', 'native.txt')
      .set('Content-Type', 'text/plain')
      .send('native bytes')
      .expect(201)
      .then((res) => bodyOf<MolgenisFile>(res));
    const meta = await t.http().get(`/files/metadata/${native.id}`).set(auth(editor.token)).expect(200);
    expect(meta.body).toEqual({
      length: 12,
      chunkSize: 12,
      uploadDate: native.createdAt,
      filename: 'native.txt',
      md5: md5('native bytes'),
      metadata: { userId: editor.id },
      contentType: 'text/plain',
      fileId: native.id,
    });
    const deleted = await t.http().delete(`/files/${native.id}`).set(auth(editor.token)).expect(200);
    expect(deleted.body).toEqual(meta.body);
    await t.http().get(`/api/files/${native.id}`).set(auth(editor.token)).expect(404);
  });

  it('Appmixer-style chunks: 1-based, the server makes the id, the file appears only when complete', async () => {
    const parts = [randomBytes(1000), randomBytes(1000), randomBytes(500)];
    const whole = Buffer.concat(parts);
    const first = await postFile(t, editor.token, parts[0], {
      'uploader-chunks-total': 3,
      'uploader-chunk-number': 1,
      'uploader-file-name': 'big.bin',
      'uploader-chunk-size': 1000,
    }).expect(200);
    const fileId = bodyOf<AppmixerFile>(first).fileId;
    expect(first.body).toMatchObject({ length: 1000, chunkSize: 1000, md5: null, filename: 'big.bin', metadata: { userId: editor.id } });
    await t.http().get(`/files/metadata/${fileId}`).set(auth(editor.token)).expect(404);
    await t.http().get(`/api/files/${fileId}?alt=media`).set(auth(editor.token)).expect(404);

    const second = await postFile(t, editor.token, parts[1], {
      'uploader-file-id': fileId,
      'uploader-chunks-total': 3,
      'uploader-chunk-number': 2,
    }).expect(200);
    expect(second.body).toMatchObject({ fileId, length: 2000, md5: null });
    const last = await postFile(t, editor.token, parts[2], {
      'uploader-file-id': fileId,
      'uploader-chunks-total': 3,
      'uploader-chunk-number': 3,
    }).expect(200);
    expect(last.body).toMatchObject({ fileId, length: 2500, md5: md5(whole), filename: 'big.bin' });

    const download = await t
      .http()
      .get(`/api/files/${fileId}?alt=media`)
      .set(auth(editor.token))
      .buffer(true)
      .parse(collectBytes)
      .expect(200);
    expect(Buffer.compare(download.body as Buffer, whole)).toBe(0);
    expect(await uploadRows(t)).toEqual({ sessions: 0, chunks: 0 });
  });

  it('a multi-chunk upload by the real huge-uploader client (0-based, client-made id) arrives whole', async () => {
    const objectsBefore = (await storedObjects(t.config)).length;
    const content = randomBytes(25_000);
    // huge-uploader sends every chunk as a Blob (part filename "blob"): uploader-file-name is how a client names it.
    const body = await hugeUpload(`${t.url}/files`, editor.token, content, 10_000, { 'uploader-file-name': 'huge.bin' });
    const file = JSON.parse(body) as AppmixerFile;
    expect(file).toMatchObject({ length: content.length, md5: md5(content), filename: 'huge.bin', metadata: { userId: editor.id } });
    const download = await t
      .http()
      .get(`/api/files/${file.fileId}?alt=media`)
      .set(auth(editor.token))
      .buffer(true)
      .parse(collectBytes)
      .expect(200);
    expect(Buffer.compare(download.body as Buffer, content)).toBe(0);
    // Chunks were assembled and removed: one object more, no upload state left.
    expect((await storedObjects(t.config)).length).toBe(objectsBefore + 1);
    expect(await uploadRows(t)).toEqual({ sessions: 0, chunks: 0 });
  });

  it('huge-uploader with a file that fits one chunk (chunks-total 1, chunk 0, a client id): stored whole', async () => {
    const content = randomBytes(5_000);
    const file = JSON.parse(await hugeUpload(`${t.url}/files`, editor.token, content, 10_000)) as AppmixerFile;
    expect(file).toMatchObject({ length: 5_000, md5: md5(content), filename: 'blob' });
    await t.http().get(`/files/metadata/${file.fileId}`).set(auth(editor.token)).expect(200);
  });

  it('chunks out of order, with an idempotent resend, still assemble in order', async () => {
    const parts = [randomBytes(700), randomBytes(700), randomBytes(300)];
    const uploadId = String(Date.now());
    const send = (n: number) =>
      postFile(t, editor.token, parts[n], {
        'uploader-file-id': uploadId,
        'uploader-chunks-total': 3,
        'uploader-chunk-number': n,
        'uploader-file-name': 'ooo.bin',
      });
    const a = await send(2).expect(200);
    expect(a.body).toMatchObject({ length: 300, md5: null });
    const b = await send(0).expect(200);
    expect(bodyOf<AppmixerFile>(b).length).toBe(1000);
    const again = await send(0).expect(200); // a resend of the same bytes changes nothing
    expect(again.body).toMatchObject({ length: 1000, fileId: bodyOf<AppmixerFile>(a).fileId, md5: null });
    const done = await send(1).expect(200);
    expect(done.body).toMatchObject({ fileId: bodyOf<AppmixerFile>(a).fileId, length: 1700, md5: md5(Buffer.concat(parts)) });
  });

  it('chunks sent all at once: exactly one request completes the file, and it is whole', async () => {
    const parts = Array.from({ length: 6 }, () => randomBytes(4_000));
    const uploadId = `parallel${Date.now()}`;
    const answers = await Promise.all(
      parts.map((part, n) =>
        postFile(t, editor.token, part, {
          'uploader-file-id': uploadId,
          'uploader-chunks-total': 6,
          'uploader-chunk-number': n + 1,
        }).expect(200),
      ),
    );
    const complete = answers.map((res) => bodyOf<AppmixerFile>(res)).filter((file) => file.md5 !== null);
    expect(complete).toHaveLength(1);
    expect(complete[0]).toMatchObject({ length: 24_000, md5: md5(Buffer.concat(parts)) });
    expect(new Set(answers.map((res) => bodyOf<AppmixerFile>(res).fileId)).size).toBe(1);
    const download = await t
      .http()
      .get(`/api/files/${complete[0].fileId}?alt=media`)
      .set(auth(editor.token))
      .buffer(true)
      .parse(collectBytes)
      .expect(200);
    expect(Buffer.compare(download.body as Buffer, Buffer.concat(parts))).toBe(0);
  });

  it('a resent chunk with different bytes is 409; a changed total, an out-of-range or a non-numeric number is 400', async () => {
    const uploadId = `u${Date.now()}`;
    const headers = (n: number | string, total: number | string = 3) => ({
      'uploader-file-id': uploadId,
      'uploader-chunks-total': total,
      'uploader-chunk-number': n,
    });
    await postFile(t, editor.token, 'aaa', headers(0)).expect(200);
    const conflict = await postFile(t, editor.token, 'bbb', headers(0)).expect(409);
    expect(conflict.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    expect(typeof bodyOf<BoomError>(conflict).message).toBe('string');
    const changed = await postFile(t, editor.token, 'ccc', headers(1, 4)).expect(400);
    expect(changed.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    await postFile(t, editor.token, 'ccc', headers(3)).expect(400); // 0-based: 0..2
    await postFile(t, editor.token, 'ccc', headers(7)).expect(400);
    await postFile(t, editor.token, 'ccc', headers('one')).expect(400);
    await postFile(t, editor.token, 'ccc', headers(1, 'three')).expect(400);
    await postFile(t, editor.token, 'ccc', headers(-1)).expect(400);
    await postFile(t, editor.token, 'ccc', { 'uploader-chunks-total': 0 }).expect(400);
    await postFile(t, editor.token, 'ccc', { 'uploader-chunks-total': 3 }).expect(400); // no chunk number
    await postFile(t, editor.token, 'ccc', { 'uploader-file-id': '../etc', 'uploader-chunks-total': 3, 'uploader-chunk-number': 1 }).expect(
      400,
    );
    // The upload is intact and completes.
    await postFile(t, editor.token, 'ddd', headers(1)).expect(200);
    const done = await postFile(t, editor.token, 'eee', headers(2)).expect(200);
    expect(done.body).toMatchObject({ length: 9, md5: md5('aaadddeee') });
  });

  it("upload ids are per user: the same id is someone else's own upload, never joined, and theirs is untouched", async () => {
    const uploadId = `private${Date.now()}`;
    const mine = await postFile(t, editor.token, 'mine-', {
      'uploader-file-id': uploadId,
      'uploader-chunks-total': 2,
      'uploader-chunk-number': 0,
    }).expect(200);
    const theirs = await postFile(t, other.token, 'evil!', {
      'uploader-file-id': uploadId,
      'uploader-chunks-total': 2,
      'uploader-chunk-number': 1,
    }).expect(200);
    expect(bodyOf<AppmixerFile>(theirs)).toMatchObject({ md5: null, metadata: { userId: other.id } });
    expect(bodyOf<AppmixerFile>(theirs).fileId).not.toBe(bodyOf<AppmixerFile>(mine).fileId);
    // Nor by the server-made file id of an Appmixer-style upload.
    const appmixer = await postFile(t, editor.token, 'one', { 'uploader-chunks-total': 2, 'uploader-chunk-number': 1 }).expect(200);
    const squat = await postFile(t, other.token, 'two', {
      'uploader-file-id': bodyOf<AppmixerFile>(appmixer).fileId,
      'uploader-chunks-total': 2,
      'uploader-chunk-number': 2,
    }).expect(200);
    expect(bodyOf<AppmixerFile>(squat).fileId).not.toBe(bodyOf<AppmixerFile>(appmixer).fileId);

    const done = await postFile(t, editor.token, 'done', {
      'uploader-file-id': uploadId,
      'uploader-chunks-total': 2,
      'uploader-chunk-number': 1,
    }).expect(200);
    expect(done.body).toMatchObject({ fileId: bodyOf<AppmixerFile>(mine).fileId, md5: md5('mine-done'), metadata: { userId: editor.id } });
    await t
      .http()
      .get(`/files/metadata/${bodyOf<AppmixerFile>(done).fileId}`)
      .set(auth(other.token))
      .expect(403);
  });

  it('an upload continues across a restart (its state is in the database and storage, not in memory)', async () => {
    const uploadId = `restart${Date.now()}`;
    await postFile(t, editor.token, 'before-', {
      'uploader-file-id': uploadId,
      'uploader-chunks-total': 2,
      'uploader-chunk-number': 0,
    }).expect(200);
    t = await t.restart();
    const done = await postFile(t, editor.token, 'after', {
      'uploader-file-id': uploadId,
      'uploader-chunks-total': 2,
      'uploader-chunk-number': 1,
    }).expect(200);
    expect(done.body).toMatchObject({ length: 12, md5: md5('before-after') });
  });

  it('an upload id of a file already complete is 409', async () => {
    const file = await postFile(t, editor.token, 'complete').expect(200);
    await postFile(t, editor.token, 'more', {
      'uploader-file-id': bodyOf<AppmixerFile>(file).fileId,
      'uploader-chunks-total': 2,
      'uploader-chunk-number': 1,
    }).expect(409);
  });

  it('refuses a second file part, a missing file part, a wrongly named part (400) and non-multipart bodies (415)', async () => {
    const objectsBefore = (await storedObjects(t.config)).length;
    const two = await t
      .http()
      .post('/files')
      .set(auth(editor.token))
      .attach('file', Buffer.from('one'), 'a.txt')
      .attach('file', Buffer.from('two'), 'b.txt')
      .expect(400);
    expect(two.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    await t.http().post('/files').set(auth(editor.token)).field('note', 'no file').expect(400);
    await t.http().post('/files').set(auth(editor.token)).attach('upload', Buffer.from('x'), 'x.txt').expect(400);
    await t.http().post('/files').set(auth(editor.token)).field('file', 'just text').expect(400);
    const raw = await t
      .http()
      .post('/files')
      .set(auth(editor.token))
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.from('raw'))
      .expect(415);
    expect(raw.body).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type' });
    await t.http().post('/files').set(auth(editor.token)).set('Content-Type', 'multipart/form-data').send('no boundary').expect(415);
    expect((await storedObjects(t.config)).length).toBe(objectsBefore);
  });

  it('413 when a file, or the chunks of one together, pass MAX_UPLOAD_BYTES; nothing is left behind', async () => {
    const objectsBefore = (await storedObjects(t.config)).length;
    const rowsBefore = await uploadRows(t);
    const big = await postFile(t, editor.token, randomBytes(256 * 1024 + 1)).expect(413);
    expect(big.body).toMatchObject({ statusCode: 413 });
    const uploadId = `big${Date.now()}`;
    await postFile(t, editor.token, randomBytes(200 * 1024), {
      'uploader-file-id': uploadId,
      'uploader-chunks-total': 2,
      'uploader-chunk-number': 0,
    }).expect(200);
    await postFile(t, editor.token, randomBytes(200 * 1024), {
      'uploader-file-id': uploadId,
      'uploader-chunks-total': 2,
      'uploader-chunk-number': 1,
    }).expect(413);
    expect((await storedObjects(t.config)).length).toBe(objectsBefore);
    expect(await uploadRows(t)).toEqual(rowsBefore);
  });

  it('401 without a token, 403 for a viewer', async () => {
    const anonymous = await t.http().post('/files').attach('file', Buffer.from('x'), 'x.txt').expect(401);
    expect(anonymous.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    const res = await postFile(t, viewer.token, 'x').expect(403);
    expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
  });
});

describe('Appmixer Files API: metadata and single delete', () => {
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

  it('GET /files/metadata/:id: 200 for the owner and admins, 403 for others, 404 unknown, 401 anonymous', async () => {
    const file = await postFile(t, editor.token, 'meta').expect(200);
    const { fileId } = bodyOf<AppmixerFile>(file);
    const own = await t.http().get(`/files/metadata/${fileId}`).set(auth(editor.token)).expect(200);
    expect(own.body).toEqual(file.body);
    await t.http().get(`/files/metadata/${fileId}`).set(auth(t.adminToken)).expect(200);
    await t.http().get(`/files/metadata/${fileId}`).set(auth(other.token)).expect(403);
    const missing = await t.http().get('/files/metadata/nosuchfile').set(auth(editor.token)).expect(404);
    expect(missing.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    await t.http().get(`/files/metadata/${fileId}`).expect(401);
  });

  it('DELETE /files/:id: 403 for others, 200 with the metadata for the owner, then 404', async () => {
    const file = await postFile(t, editor.token, 'bye').expect(200);
    const { fileId } = bodyOf<AppmixerFile>(file);
    await t.http().delete(`/files/${fileId}`).set(auth(other.token)).expect(403);
    const res = await t.http().delete(`/files/${fileId}`).set(auth(editor.token)).expect(200);
    expect(res.body).toEqual(file.body);
    await t.http().delete(`/files/${fileId}`).set(auth(editor.token)).expect(404);
    await t.http().delete(`/files/${fileId}`).expect(401);
  });
});

describe('Appmixer Files API: expiry of abandoned uploads', () => {
  let t: TestApp;
  let editor: { id: string; token: string };

  beforeAll(async () => {
    t = await startTestApp({ UPLOAD_EXPIRY_SECONDS: '1' });
    editor = await t.createUser(['editor']);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('removes an unfinished upload, rows and bytes, once UPLOAD_EXPIRY_SECONDS have passed since its last chunk', async () => {
    const objectsBefore = (await storedObjects(t.config)).length;
    const uploadId = `abandoned${Date.now()}`;
    await postFile(t, editor.token, 'chunk zero', {
      'uploader-file-id': uploadId,
      'uploader-chunks-total': 3,
      'uploader-chunk-number': 0,
    }).expect(200);
    await postFile(t, editor.token, 'chunk one', {
      'uploader-file-id': uploadId,
      'uploader-chunks-total': 3,
      'uploader-chunk-number': 1,
    }).expect(200);
    expect(await uploadRows(t)).toEqual({ sessions: 1, chunks: 2 });
    expect((await storedObjects(t.config)).length).toBe(objectsBefore + 2);

    const sweeper = t.app.get(UploadSweeper);
    expect(await sweeper.sweep()).toBe(0); // not expired yet
    expect(await uploadRows(t)).toEqual({ sessions: 1, chunks: 2 });
    await sleep(1500);
    // The sweep the test triggers, or the periodic one (every second with this expiry) that beat it to it.
    await sweeper.sweep();
    expect(await uploadRows(t)).toEqual({ sessions: 0, chunks: 0 });
    expect((await storedObjects(t.config)).length).toBe(objectsBefore);

    // The last chunk now starts a new upload under the same client id; it is not joined to the expired bytes.
    const late = await postFile(t, editor.token, 'chunk two', {
      'uploader-file-id': uploadId,
      'uploader-chunks-total': 3,
      'uploader-chunk-number': 2,
    }).expect(200);
    expect(late.body).toMatchObject({ length: 9, md5: null });
  });
});
