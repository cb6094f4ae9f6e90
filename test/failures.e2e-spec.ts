import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { collectBytes } from './support/bytes.js';
import { auth, bodyOf, MolgenisFile, Problem } from './support/http.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { quietLogs } from './support/test-logger.js';

describe('the database goes away', () => {
  let t: TestApp;
  let admin: pg.Client;
  let database: string;

  beforeAll(async () => {
    t = await startTestApp();
    const url = new URL((t.app.get(DataSource).options as { url: string }).url);
    database = url.pathname.slice(1);
    url.pathname = '/postgres';
    admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`).catch(() => undefined);
    await admin?.end();
    await t?.close();
  });

  it('answers 503 (never 500, never a crash) while it is down, and recovers when it is back', async () => {
    const token = t.adminToken;
    const file = bodyOf<MolgenisFile>(await t.http().post('/api/files').set(auth(token)).send(Buffer.from('survivor')).expect(201));

    await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);

    await quietLogs(/failed: DATABASE_UNAVAILABLE|Health Check has failed/, async () => {
      const metadata = await t.http().get(`/api/files/${file.id}`).set(auth(token));
      expect(metadata.status).toBe(503);
      expect(bodyOf<Problem>(metadata).code).toBe('DATABASE_UNAVAILABLE');
      const upload = await t.http().post('/api/files').set(auth(token)).send(Buffer.from('lost?'));
      expect(upload.status).toBe(503);
      const health = await t.http().get('/health');
      expect(health.status).toBe(503);
    });

    await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    const back = await t.http().get(`/api/files/${file.id}?alt=media`).set(auth(token)).buffer(true).parse(collectBytes).expect(200);
    expect((back.body as Buffer).toString()).toBe('survivor');
    await t.http().get('/health').expect(200);
  });
});

// A full disk needs a small filesystem: a tmpfs mounted over the storage folder (root only; local storage only).
const canMount = process.getuid?.() === 0 && (process.env.TEST_STORAGE_DRIVER ?? 'local') === 'local';
(canMount ? describe : describe.skip)('the disk fills up', () => {
  let t: TestApp;
  let dataDir: string;
  let mountPoint: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'stowage-full-'));
    mountPoint = join(dataDir, 'files');
    await mkdir(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]);
    t = await startTestApp({ DATA_DIR: dataDir });
  });
  afterAll(async () => {
    await t?.close();
    try {
      execFileSync('umount', [mountPoint]);
    } catch {
      // already gone
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('507 for an upload that does not fit; no row, no partial file, earlier files intact', async () => {
    const admin = auth(t.adminToken);
    const small = await t.http().post('/api/files').set(admin).send(Buffer.alloc(10_000, 1)).expect(201);
    const res = await quietLogs(/failed: STORAGE_FULL/, async () =>
      t
        .http()
        .post('/api/files')
        .set(admin)
        .send(Buffer.alloc(1024 * 1024, 2)),
    );
    expect(res.status).toBe(507);
    expect(bodyOf<Problem>(res).code).toBe('STORAGE_FULL');
    expect(await readdir(join(mountPoint, 'tmp'))).toEqual([]);
    const kept = await t
      .http()
      .get(`/api/files/${bodyOf<MolgenisFile>(small).id}?alt=media`)
      .set(admin)
      .buffer(true)
      .parse(collectBytes)
      .expect(200);
    expect((kept.body as Buffer).equals(Buffer.alloc(10_000, 1))).toBe(true);
    // And once there is room again, uploads work.
    await t.http().post('/api/files').set(admin).send(Buffer.alloc(1000, 3)).expect(201);
  });
});
