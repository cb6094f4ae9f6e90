import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { collectBytes } from './support/bytes.js';
import { auth, bodyOf, MolgenisFile, Problem } from './support/http.js';
import { refusableDatabase, RefusableDatabase } from './support/refusable-database.js';
import { canMountSmallDisk, mountSmallDisk, SmallDisk } from './support/small-disk.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { quietLogs } from './support/test-logger.js';

describe('the database goes away', () => {
  let t: TestApp;
  let database: RefusableDatabase;

  beforeAll(async () => {
    t = await startTestApp();
    database = await refusableDatabase(t);
  });
  afterAll(async () => {
    await database?.close();
    await t?.close();
  });

  it('answers 503 (never 500, never a crash) while it is down, and recovers when it is back', async () => {
    const token = t.adminToken;
    const file = bodyOf<MolgenisFile>(await t.http().post('/api/files').set(auth(token)).send(Buffer.from('survivor')).expect(201));

    await database.refuse();

    await quietLogs(/failed: DATABASE_UNAVAILABLE|Health Check has failed/, async () => {
      const metadata = await t.http().get(`/api/files/${file.id}`).set(auth(token));
      expect(metadata.status).toBe(503);
      expect(bodyOf<Problem>(metadata).code).toBe('DATABASE_UNAVAILABLE');
      const upload = await t.http().post('/api/files').set(auth(token)).send(Buffer.from('lost?'));
      expect(upload.status).toBe(503);
      const health = await t.http().get('/health');
      expect(health.status).toBe(503);
    });

    await database.allow();
    const back = await t.http().get(`/api/files/${file.id}?alt=media`).set(auth(token)).buffer(true).parse(collectBytes).expect(200);
    expect((back.body as Buffer).toString()).toBe('survivor');
    await t.http().get('/health').expect(200);
  });
});

(canMountSmallDisk ? describe : describe.skip)('the disk fills up', () => {
  let t: TestApp;
  let disk: SmallDisk;

  beforeAll(async () => {
    disk = await mountSmallDisk('256k');
    t = await startTestApp({ DATA_DIR: disk.dataDir });
  });
  afterAll(async () => {
    await t?.close();
    await disk?.remove();
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
    expect(await readdir(join(disk.filesDir, 'tmp'))).toEqual([]);
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
