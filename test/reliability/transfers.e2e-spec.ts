import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { collectBytes } from '../support/bytes.js';
import { auth, bodyOf, MolgenisFile, Page, Problem } from '../support/http.js';
import { createWitness, expectInvariants, ResourceBaseline, resourceUsage, sha256, Witness } from '../support/invariants.js';
import { rawConnection, uploadHead } from '../support/raw-http.js';
import { canMountSmallDisk, mountSmallDisk, SmallDisk } from '../support/small-disk.js';
import { startTestApp, TestApp } from '../support/test-app.js';
import { quietLogs } from '../support/test-logger.js';

const MiB = 1024 * 1024;
const MAX_UPLOAD = 8 * MiB;
/** Cases whose clients hang up on purpose: each abort logs one expected warning. */
const withAborts = (work: () => Promise<void>) => () => quietLogs(/the client aborted the upload|UPLOAD_ABORTED/, work);

/** Faults of the client side of a transfer: bodies cut, short or too long, headers too big or too slow. */
describe('reliability: transfers', () => {
  let t: TestApp;
  let witness: Witness;
  let stranger: { token: string };
  let uploader: { token: string; id: string };
  let baseline: ResourceBaseline;

  beforeAll(async () => {
    t = await startTestApp({
      MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
      REQUEST_IDLE_TIMEOUT_SECONDS: '2',
      HEADERS_TIMEOUT_SECONDS: '2',
      ORPHAN_MIN_AGE_SECONDS: '1',
      SWEEP_INTERVAL_SECONDS: '0',
    });
    witness = await createWitness(t);
    stranger = await t.createUser(['editor']);
    uploader = await t.createUser(['editor']);
    baseline = resourceUsage();
  });
  afterAll(async () => {
    await t?.close();
  });

  const listedBy = async (token: string) =>
    bodyOf<Page<MolgenisFile>>(await t.http().get('/api/files?limit=1000').set(auth(token)).expect(200)).items;
  const invariants = () => expectInvariants(t, { witness, stranger, baseline, sweep: true });

  it(
    'a connection reset at 50 % of an upload stores nothing',
    withAborts(async () => {
      const size = 4 * MiB;
      const conn = await rawConnection(t.url);
      conn.socket.write(uploadHead('/api/files', uploader.token, { 'Content-Type': 'application/octet-stream', 'Content-Length': size }));
      conn.socket.write(randomBytes(size / 2));
      await sleep(200);
      conn.socket.resetAndDestroy();
      await conn.closed;
      await sleep(300);
      expect(await listedBy(uploader.token)).toEqual([]);
      await invariants();
    }),
  );

  it(
    'fewer bytes than Content-Length, then silence: dropped after REQUEST_IDLE_TIMEOUT_SECONDS, nothing stored',
    withAborts(async () => {
      const conn = await rawConnection(t.url);
      conn.socket.write(uploadHead('/api/files', uploader.token, { 'Content-Type': 'application/octet-stream', 'Content-Length': MiB }));
      conn.socket.write(randomBytes(MiB / 4));
      // The server ends it: no answer can be trusted by a client that stopped sending, so the socket just closes.
      await conn.closed;
      expect(conn.status() ?? 0).not.toBe(201);
      expect(await listedBy(uploader.token)).toEqual([]);
      await invariants();
    }),
  );

  it('a Content-Length over the limit is refused with 413 before any byte is read', async () => {
    const conn = await rawConnection(t.url);
    conn.socket.write(
      uploadHead('/api/files', uploader.token, { 'Content-Type': 'application/octet-stream', 'Content-Length': MAX_UPLOAD + 1 }),
    );
    // No body sent at all: the answer cannot depend on reading it.
    expect(await conn.answered).toBe(413);
    conn.socket.destroy();
    await invariants();
  });

  it('a chunked body that grows past the limit is refused with 413 mid-stream, nothing kept', async () => {
    const conn = await rawConnection(t.url);
    conn.socket.write(
      uploadHead('/api/files', uploader.token, { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' }),
    );
    const piece = randomBytes(MiB);
    let sent = 0;
    while (conn.status() === undefined && sent < MAX_UPLOAD + 4 * MiB && !conn.socket.destroyed) {
      conn.socket.write(`${piece.length.toString(16)}\r\n`);
      conn.socket.write(piece);
      conn.socket.write('\r\n');
      sent += piece.length;
      await sleep(20);
    }
    expect(await conn.answered).toBe(413);
    expect(sent).toBeGreaterThan(MAX_UPLOAD - MiB);
    conn.socket.destroy();
    expect(await listedBy(uploader.token)).toEqual([]);
    await invariants();
  });

  it('malformed multipart answers 400, nothing kept', async () => {
    const res = await quietLogs(/failed/, async () =>
      t
        .http()
        .post('/files')
        .set(auth(uploader.token))
        .set('Content-Type', 'multipart/form-data; boundary=xyz')
        .send('--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhalf a part and no closing boundary'),
    );
    expect(res.status).toBe(400);
    await invariants();
  });

  it('64 KiB of headers answer 431', async () => {
    const conn = await rawConnection(t.url);
    conn.socket.write(`GET /api/files HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(await conn.answered).toBe(431);
    conn.socket.destroy();
    await invariants();
  });

  it('200 slowloris connections on headers do not delay a normal client, and are dropped after HEADERS_TIMEOUT_SECONDS', async () => {
    const slow = await Promise.all(Array.from({ length: 200 }, () => rawConnection(t.url)));
    for (const conn of slow) conn.socket.write('GET /api/files HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => {
      for (const conn of slow) if (!conn.socket.destroyed) conn.socket.write(`X-Drip-${randomBytes(2).toString('hex')}: 1\r\n`);
    }, 300);
    try {
      // A normal client meanwhile: a whole upload and download.
      const data = randomBytes(256 * 1024);
      const created = bodyOf<MolgenisFile>(
        await t.http().post('/api/files').set(auth(uploader.token)).set('Content-Type', 'application/octet-stream').send(data).expect(201),
      );
      const back = await t
        .http()
        .get(`/api/files/${created.id}?alt=media`)
        .set(auth(uploader.token))
        .buffer(true)
        .parse(collectBytes)
        .expect(200);
      expect(sha256(back.body as Buffer)).toBe(sha256(data));
      await t.http().delete(`/api/files/${created.id}`).set(auth(uploader.token)).expect(204);
      // Node answers 408 to a request whose headers are late, and closes it.
      await Promise.all(slow.map((conn) => conn.closed));
      expect(new Set(slow.map((conn) => conn.status()))).toEqual(new Set([408]));
    } finally {
      clearInterval(drip);
      for (const conn of slow) conn.socket.destroy();
    }
    await invariants();
  });

  it(
    '200 slowloris uploads (a byte now and then) do not delay a normal client; none is stored once they stop',
    withAborts(async () => {
      const slow = await Promise.all(Array.from({ length: 200 }, () => rawConnection(t.url)));
      for (const conn of slow) {
        conn.socket.write(uploadHead('/api/files', uploader.token, { 'Content-Type': 'application/octet-stream', 'Content-Length': MiB }));
      }
      const drip = setInterval(() => {
        for (const conn of slow) if (!conn.socket.destroyed) conn.socket.write(randomBytes(16));
      }, 500);
      try {
        const data = randomBytes(256 * 1024);
        const created = bodyOf<MolgenisFile>(
          await t.http().post('/api/files').set(auth(witness.token)).set('Content-Type', 'application/octet-stream').send(data).expect(201),
        );
        const back = await t
          .http()
          .get(`/api/files/${created.id}?alt=media`)
          .set(auth(witness.token))
          .buffer(true)
          .parse(collectBytes)
          .expect(200);
        expect(sha256(back.body as Buffer)).toBe(sha256(data));
        await t.http().delete(`/api/files/${created.id}`).set(auth(witness.token)).expect(204);
      } finally {
        clearInterval(drip);
      }
      // Silent from now on: each is dropped after the idle timeout.
      await Promise.all(slow.map((conn) => conn.closed));
      expect(await listedBy(uploader.token)).toEqual([]);
      await invariants();
    }),
  );

  it('DELETE during a download: the download completes whole or is aborted, never short and looking whole', async () => {
    const data = randomBytes(8 * MiB);
    const file = bodyOf<MolgenisFile>(
      await t.http().post('/api/files').set(auth(uploader.token)).set('Content-Type', 'application/octet-stream').send(data).expect(201),
    );
    const res = await fetch(`${t.url}/api/files/${file.id}?alt=media`, { headers: auth(uploader.token) });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    await t.http().delete(`/api/files/${file.id}`).set(auth(uploader.token)).expect(204);
    // Read slowly on: the rest either arrives whole or the connection fails.
    const chunks: Buffer[] = [Buffer.from(first.value as Uint8Array)];
    const outcome = await (async () => {
      for (;;) {
        const next = await reader.read();
        if (next.done) return 'complete';
        chunks.push(Buffer.from(next.value as Uint8Array));
      }
    })().catch(() => 'aborted');
    if (outcome === 'complete') expect(sha256(Buffer.concat(chunks))).toBe(sha256(data));
    await t.http().get(`/api/files/${file.id}`).set(auth(uploader.token)).expect(404);
    await invariants();
  });

  it('two concurrent uploads to one client-chosen Hasura id: exactly one wins, its bytes whole', async () => {
    const id = `race-${randomBytes(6).toString('hex')}`;
    const bodies = [randomBytes(2 * MiB), randomBytes(2 * MiB)];
    const results = await Promise.all(
      bodies.map((body) =>
        t.http().post(`/v1/file/${id}`).set(auth(uploader.token)).set('Content-Type', 'application/octet-stream').send(body),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    const winner = bodies[results.findIndex((r) => r.status === 200)];
    const back = await t.http().get(`/v1/file/${id}`).set(auth(uploader.token)).buffer(true).parse(collectBytes).expect(200);
    expect(sha256(back.body as Buffer)).toBe(sha256(winner));
    await invariants();
  });
});

(canMountSmallDisk ? describe : describe.skip)('reliability: the disk fills up', () => {
  let t: TestApp;
  let disk: SmallDisk;

  beforeAll(async () => {
    disk = await mountSmallDisk('4m');
    t = await startTestApp({ DATA_DIR: disk.dataDir, ORPHAN_MIN_AGE_SECONDS: '1', SWEEP_INTERVAL_SECONDS: '0' });
  });
  afterAll(async () => {
    await t?.close();
    await disk?.remove();
  });

  it('507 for an upload that does not fit; no row, no temp bytes; works again once space is freed', async () => {
    const witness = await createWitness(t);
    const filler = bodyOf<MolgenisFile>(
      await t
        .http()
        .post('/api/files')
        .set(auth(t.adminToken))
        .send(randomBytes(3 * MiB))
        .expect(201),
    );
    const res = await quietLogs(/failed: STORAGE_FULL/, async () =>
      t
        .http()
        .post('/api/files')
        .set(auth(t.adminToken))
        .send(randomBytes(2 * MiB)),
    );
    expect(res.status).toBe(507);
    expect(bodyOf<Problem>(res).code).toBe('STORAGE_FULL');
    await expectInvariants(t, { witness, sweep: true });
    await t.http().delete(`/api/files/${filler.id}`).set(auth(t.adminToken)).expect(204);
    await t
      .http()
      .post('/api/files')
      .set(auth(t.adminToken))
      .send(randomBytes(2 * MiB))
      .expect(201);
    await expectInvariants(t, { witness, sweep: true });
  });

  it('507 for a tus PATCH that does not fit; the offset is what reached the disk, and the upload resumes once space is freed', async () => {
    const tus = { 'Tus-Resumable': '1.0.0' };
    // Sized by what is free now (the case before leaves a file): the PATCH fits only once the filler is gone.
    const { bavail, bsize } = await statfs(join(disk.dataDir, 'files'));
    const free = bavail * bsize;
    const bytes = randomBytes(Math.floor(free * 0.75));
    const created = await t
      .http()
      .post('/api/uploads')
      .set(auth(t.adminToken))
      .set(tus)
      .set('Upload-Length', String(bytes.length))
      .expect(201);
    const path = created.headers.location;
    const filler = bodyOf<MolgenisFile>(
      await t
        .http()
        .post('/api/files')
        .set(auth(t.adminToken))
        .send(randomBytes(Math.floor(free * 0.5)))
        .expect(201),
    );

    const res = await quietLogs(/STORAGE_FULL/, async () =>
      t
        .http()
        .patch(path)
        .set(auth(t.adminToken))
        .set(tus)
        .set('Upload-Offset', '0')
        .set('Content-Type', 'application/offset+octet-stream')
        .send(bytes),
    );
    expect(res.status).toBe(507);
    const offset = Number((await t.http().head(path).set(auth(t.adminToken)).set(tus).expect(200)).headers['upload-offset']);
    expect(offset).toBeLessThan(bytes.length);

    await t.http().delete(`/api/files/${filler.id}`).set(auth(t.adminToken)).expect(204);
    const done = await t
      .http()
      .patch(path)
      .set(auth(t.adminToken))
      .set(tus)
      .set('Upload-Offset', String(offset))
      .set('Content-Type', 'application/offset+octet-stream')
      .send(bytes.subarray(offset))
      .expect(204);
    const stored = await t.http().get(`/api/files/${done.headers['stowage-file-id']}?alt=media`).set(auth(t.adminToken)).expect(200);
    expect(sha256(stored.body as Buffer)).toBe(sha256(bytes));
  });
});
