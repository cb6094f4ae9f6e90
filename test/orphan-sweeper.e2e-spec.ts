import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, ClientRequest } from 'node:http';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/load-config.js';
import { OrphanSweeper } from '../src/files/orphans/orphan-sweeper.js';
import { SweepStats } from '../src/files/orphans/sweep-stats.js';
import { newStorageKey } from '../src/storage/storage-key.js';
import { StorageProvider } from '../src/storage/storage-provider.js';
import { postFile, uploadRows } from './support/appmixer-client.js';
import { auth } from './support/http.js';
import { ServiceProcess, startServiceProcess } from './support/service-process.js';
import { partialUploads, storedObjects } from './support/stored-objects.js';
import { ADMIN, prepareTestEnv, startTestApp, TestApp, TestEnv } from './support/test-app.js';

const MIN_AGE_SECONDS = 2;
const MiB = 1024 * 1024;
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

/** Lets everything written so far pass ORPHAN_MIN_AGE_SECONDS (s3rver dates objects to the millisecond, from its files). */
const ageEverything = () => sleep(MIN_AGE_SECONDS * 1000 + 600);

/** The keys of every complete object, on either driver (local: the file names under objects/). */
async function objectKeys(t: TestApp): Promise<string[]> {
  return (await storedObjects(t.config)).map((path) => basename(path)).sort();
}

async function writeOrphans(t: TestApp, count: number): Promise<string[]> {
  const storage = t.app.get(StorageProvider);
  const keys = Array.from({ length: count }, () => newStorageKey());
  // Bytes with no row, as a crash between the write and the commit leaves them.
  for (const key of keys) await storage.write(key, Readable.from([randomBytes(1000)]));
  return keys;
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await condition());) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A POST /api/files whose body the test feeds by hand, left open until the test ends it. */
function openUpload(url: string, token: string, declared: number): { req: ClientRequest; answered: Promise<number> } {
  let req!: ClientRequest;
  const answered = new Promise<number>((resolve) => {
    req = httpRequest(
      new URL('/api/files', url),
      { method: 'POST', headers: { ...auth(token), 'Content-Length': String(declared), 'x-molgenis-filename': 'big.bin' } },
      (res) => {
        res.resume();
        resolve(res.statusCode!);
      },
    );
    // A killed server or an aborted request: no status.
    req.on('error', () => resolve(0));
  });
  return { req, answered };
}

describe('orphan sweeper', () => {
  let t: TestApp;
  let sweeper: OrphanSweeper;
  const committed = new Map<string, Buffer>();

  beforeAll(async () => {
    // SWEEP_INTERVAL_SECONDS=0: no scheduled sweep races the ones the tests run.
    t = await startTestApp({ ORPHAN_MIN_AGE_SECONDS: String(MIN_AGE_SECONDS), SWEEP_INTERVAL_SECONDS: '0' }, { realDatabase: true });
    sweeper = t.app.get(OrphanSweeper);
  });
  afterAll(async () => {
    await t?.close();
  });

  const expectCommittedIntact = async () => {
    for (const [id, bytes] of committed) {
      const res = await t.http().get(`/api/files/${id}?alt=media`).set(auth(t.adminToken)).buffer(true).expect(200);
      expect(md5(res.body as Buffer)).toBe(md5(bytes));
    }
  };

  it('removes exactly the objects without a row once older than ORPHAN_MIN_AGE_SECONDS, never a committed file’s or a chunk’s', async () => {
    // Committed files, one large enough to be a multipart upload on S3 (dated from the upload's start there).
    for (const size of [10, 50_000, 6 * MiB]) {
      const bytes = randomBytes(size);
      const res = await t.http().post('/api/files').set(auth(t.adminToken)).send(bytes).expect(201);
      committed.set((res.body as { id: string }).id, bytes);
    }
    // An unfinished chunked upload: its chunk has a row in upload_chunks.
    const firstChunk = randomBytes(3000);
    const partial = await postFile(t, t.adminToken, firstChunk, { 'uploader-chunks-total': 2, 'uploader-chunk-number': 1 }).expect(200);
    const uploadId = (partial.body as { fileId: string }).fileId;
    const kept = await objectKeys(t);
    const orphans = await writeOrphans(t, 3);

    const young = await sweeper.sweep();
    expect(young).toMatchObject({ outcome: 'swept', removed: { objects: 0, partialWrites: 0 } });
    expect(await objectKeys(t)).toEqual([...kept, ...orphans].sort());

    await ageEverything();
    const report = await sweeper.sweep();
    expect(report).toMatchObject({ outcome: 'swept', removed: { objects: 3, partialWrites: 0, uploadSessions: 0 } });
    expect(await objectKeys(t)).toEqual(kept);
    for (const key of orphans) expect(await t.app.get(StorageProvider).stat(key)).toBeNull();
    await expectCommittedIntact();
    // The chunked upload goes on where it was.
    const lastChunk = randomBytes(2000);
    const done = await postFile(t, t.adminToken, lastChunk, {
      'uploader-file-id': uploadId,
      'uploader-chunks-total': 2,
      'uploader-chunk-number': 2,
    }).expect(200);
    expect(done.body).toMatchObject({ length: 5000, md5: md5(Buffer.concat([firstChunk, lastChunk])) });
    committed.set(uploadId, Buffer.concat([firstChunk, lastChunk]));

    // A sweep with nothing to do removes nothing.
    await ageEverything();
    expect((await sweeper.sweep()).removed).toEqual({ objects: 0, partialWrites: 0, uploadSessions: 0 });
    await expectCommittedIntact();
  });

  it('two instances sweeping at once remove each orphan once, and only orphans', async () => {
    const sibling = await t.startSibling();
    const kept = await objectKeys(t);
    const orphans = await writeOrphans(sibling, 4);
    await ageEverything();
    const reports = await Promise.all([sweeper.sweep(), sibling.app.get(OrphanSweeper).sweep(), sweeper.sweep()]);
    expect(reports.map((r) => r.outcome).filter((o) => o === 'failed')).toEqual([]);
    // The lock lets one sweep at a time: the one that lost skipped, or ran after and found nothing left.
    expect(reports.reduce((sum, r) => sum + r.removed.objects, 0)).toBe(orphans.length);
    expect(await objectKeys(t)).toEqual(kept);
    await expectCommittedIntact();
  });

  it('does not sweep while another instance holds the sweep lock; counts runs, skips and removals for metrics', async () => {
    const stats = t.app.get(SweepStats);
    const before = stats.totals();
    const seen: string[] = [];
    const unsubscribe = stats.onSweep((report) => seen.push(report.outcome));
    const [orphan] = await writeOrphans(t, 1);
    await ageEverything();

    // Another instance, as far as PostgreSQL can tell: a session of its own holding the same advisory lock.
    const other = new pg.Client({ connectionString: t.testEnv.env.DATABASE_URL });
    await other.connect();
    try {
      await other.query(`SELECT pg_advisory_lock(hashtextextended('stowage:orphan-sweep', 0))`);
      expect(await sweeper.sweep()).toMatchObject({ outcome: 'skipped', removed: { objects: 0 } });
      expect(await t.app.get(StorageProvider).stat(orphan)).not.toBeNull();
      await other.query(`SELECT pg_advisory_unlock(hashtextextended('stowage:orphan-sweep', 0))`);
    } finally {
      await other.end();
    }
    expect(await sweeper.sweep()).toMatchObject({ outcome: 'swept', removed: { objects: 1 } });
    expect(await t.app.get(StorageProvider).stat(orphan)).toBeNull();
    unsubscribe();

    const after = stats.totals();
    expect(seen).toEqual(['skipped', 'swept']);
    expect(after.skipped).toBe(before.skipped + 1);
    expect(after.runs).toBe(before.runs + 1);
    expect(after.removed.objects).toBe(before.removed.objects + 1);
    expect(after.last).toMatchObject({ outcome: 'swept', removed: { objects: 1 } });
  });

  it('removes a chunked upload stuck in assembly for ORPHAN_MIN_AGE_SECONDS, with its chunks and its half-written file', async () => {
    const chunk = randomBytes(2000);
    const started = await postFile(t, t.adminToken, chunk, { 'uploader-chunks-total': 2, 'uploader-chunk-number': 1 }).expect(200);
    const uploadId = (started.body as { fileId: string }).fileId;
    const db = t.app.get(DataSource);
    const [{ storage_key: chunkKey }] = await db.query<{ storage_key: string }[]>(
      `SELECT c.storage_key FROM upload_chunks c JOIN upload_sessions s ON s.id = c.session_id WHERE s.upload_id = $1`,
      [uploadId],
    );
    // An instance that claimed the upload and died mid-assembly, as the claim leaves the row: 'assembling', the key
    // being written, expires_at = claim time + UPLOAD_EXPIRY_SECONDS; the claim here is 3 s old.
    const [assembled] = await writeOrphans(t, 1);
    await db.query(
      `UPDATE upload_sessions SET state = 'assembling', assembled_key = $2, expires_at = now() + make_interval(secs => $3) WHERE upload_id = $1`,
      [uploadId, assembled, t.config.uploads.expirySeconds - (MIN_AGE_SECONDS + 1)],
    );
    const report = await sweeper.sweep();
    expect(report.removed).toMatchObject({ uploadSessions: 1 });
    expect(await uploadRows(t)).toEqual({ sessions: 0, chunks: 0 });
    const storage = t.app.get(StorageProvider);
    expect(await storage.stat(chunkKey)).toBeNull();
    expect(await storage.stat(assembled)).toBeNull();
    await expectCommittedIntact();
  });

  it('keeps a slow upload’s temp file while bytes keep coming, removes one that went idle (local disk)', async () => {
    // On S3 progress shows only per 5 MiB part, so a trickle this slow would look idle: see docs/storage.md.
    if (t.config.storage.driver !== 'local') return;
    const slow = openUpload(t.url, t.adminToken, 3000);
    slow.req.write(randomBytes(1000));
    await waitFor(async () => (await partialUploads(t.config)).length === 1, 'the upload to start');
    for (let i = 0; i < 8; i++) {
      await sleep(400);
      slow.req.write(randomBytes(100));
    }
    expect((await sweeper.sweep()).removed.partialWrites).toBe(0);
    slow.req.end(randomBytes(1200));
    expect(await slow.answered).toBe(201);

    const stalled = openUpload(t.url, t.adminToken, 3000);
    stalled.req.write(randomBytes(1000));
    await waitFor(async () => (await partialUploads(t.config)).length === 1, 'the upload to start');
    await ageEverything();
    expect((await sweeper.sweep()).removed.partialWrites).toBe(1);
    expect(await partialUploads(t.config)).toEqual([]);
    stalled.req.destroy();
    await stalled.answered;
  });
});

describe('orphan sweeper: a process killed mid-upload', () => {
  let env: TestEnv;
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop();
    await env?.cleanup();
  });

  it('leaves a partial write that the next instance’s scheduled sweep removes, keeping committed files', async () => {
    env = await prepareTestEnv({ LOG_LEVEL: 'info', SWEEP_INTERVAL_SECONDS: '0' }, { realDatabase: true });
    const config = loadConfig(env.env);
    service = await startServiceProcess(env.env);
    const login = await fetch(`${service.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    const { token } = (await login.json()) as { token: string };
    const kept = randomBytes(20_000);
    const stored = await fetch(`${service.url}/api/files`, { method: 'POST', headers: auth(token), body: kept });
    expect(stored.status).toBe(201);
    const { id } = (await stored.json()) as { id: string };

    // More than one S3 part, so that S3 holds an incomplete multipart upload when the process dies.
    const upload = openUpload(service.url, token, 20 * MiB);
    upload.req.write(randomBytes(6 * MiB));
    await waitFor(async () => (await partialUploads(config)).length === 1, 'the upload to leave a partial write');
    service.kill('SIGKILL');
    expect(await service.exited).toBe('SIGKILL');
    upload.req.destroy();
    expect(await partialUploads(config)).toHaveLength(1);

    service = await startServiceProcess({ ...env.env, ORPHAN_MIN_AGE_SECONDS: '1', SWEEP_INTERVAL_SECONDS: '1' }, { port: service.port });
    await waitFor(async () => (await partialUploads(config)).length === 0, 'the scheduled sweep to remove the partial write');
    // The log line may reach the pipe a moment after the removal is visible.
    const started = service;
    await waitFor(() => Promise.resolve(/Removed 1 partial write\(s\) idle since/.test(started.output())), 'the sweep to log the removal');
    const download = await fetch(`${service.url}/api/files/${id}?alt=media`, { headers: auth(token) });
    expect(download.status).toBe(200);
    expect(md5(Buffer.from(await download.arrayBuffer()))).toBe(md5(kept));
    // Two service processes, each booted and one built: minutes on a loaded machine.
  }, 300_000);
});
