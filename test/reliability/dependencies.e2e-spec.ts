import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { collectBytes } from '../support/bytes.js';
import { auth, bodyOf, MolgenisFile, Page, Problem } from '../support/http.js';
import { createWitness, expectInvariants, sha256, Witness } from '../support/invariants.js';
import { rawConnection, uploadHead } from '../support/raw-http.js';
import { startS3Server, TestS3Server } from '../support/s3-server.js';
import { startTcpProxy, TcpProxy } from '../support/tcp-proxy.js';
import { realPostgresServerUrl, startTestApp, TestApp } from '../support/test-app.js';
import { quietLogs } from '../support/test-logger.js';

const MiB = 1024 * 1024;
const OUTAGE_LOGS = /DATABASE_UNAVAILABLE|STORAGE_UNAVAILABLE|Health Check has failed|connection|ECONNREFUSED|terminated|partial object/i;

const expectOutage = (res: { status: number; headers: Record<string, string>; body: unknown }, code: string) => {
  expect({ status: res.status, code: bodyOf<Problem>(res).code }).toEqual({ status: 503, code });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
};

/** PostgreSQL behind a TCP proxy that the test cuts: a real outage of the database, on loopback. */
describe('reliability: PostgreSQL goes away', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let witness: Witness;
  let user: { token: string };

  beforeAll(async () => {
    const server = new URL(realPostgresServerUrl());
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    const first = await startTestApp({ ORPHAN_MIN_AGE_SECONDS: '1', SWEEP_INTERVAL_SECONDS: '0' }, { realDatabase: true });
    const proxied = new URL(first.testEnv.env.DATABASE_URL!);
    proxied.port = String(proxy.port);
    proxied.hostname = '127.0.0.1';
    t = await first.restart({ DATABASE_URL: proxied.toString() });
    witness = await createWitness(t);
    user = await t.createUser(['editor']);
  });
  afterAll(async () => {
    await proxy?.restore();
    await t?.close();
    await proxy?.close();
  });

  it('during an upload: 503 DATABASE_UNAVAILABLE, nothing listed once it is back, the bytes swept', async () => {
    const size = 2 * MiB;
    const data = randomBytes(size);
    const conn = await rawConnection(t.url);
    conn.socket.write(uploadHead('/api/files', user.token, { 'Content-Type': 'application/octet-stream', 'Content-Length': size }));
    conn.socket.write(data.subarray(0, size / 2));
    await sleep(200);
    await quietLogs(OUTAGE_LOGS, async () => {
      await proxy.cut();
      conn.socket.write(data.subarray(size / 2));
      expect(await conn.answered).toBe(503);
      expect(conn.received()).toContain('DATABASE_UNAVAILABLE');
      conn.socket.destroy();
    });
    await proxy.restore();
    const listed = bodyOf<Page<MolgenisFile>>(await t.http().get('/api/files?limit=1000').set(auth(user.token)).expect(200));
    expect(listed.items).toEqual([]);
    await expectInvariants(t, { witness, sweep: true });
  });

  it('during reads and listings: 503 DATABASE_UNAVAILABLE with Retry-After (never 404 or 500), and it resumes by itself', async () => {
    await quietLogs(OUTAGE_LOGS, async () => {
      await proxy.cut();
      expectOutage(await t.http().get(`/api/files/${witness.id}`).set(auth(witness.token)), 'DATABASE_UNAVAILABLE');
      expectOutage(await t.http().get(`/api/files/${witness.id}?alt=media`).set(auth(witness.token)), 'DATABASE_UNAVAILABLE');
      expectOutage(await t.http().get('/api/files').set(auth(witness.token)), 'DATABASE_UNAVAILABLE');
      expect((await t.http().get('/health/ready')).status).toBe(503);
      await t.http().get('/health/live').expect(200);
    });
    await proxy.restore();
    await t.http().get('/health/ready').expect(200);
    await expectInvariants(t, { witness });
  });
});

/** The S3 server behind a TCP proxy: the endpoint disappears, or dies in the middle of a download. */
describe('reliability: the object store goes away', () => {
  let s3: TestS3Server;
  let proxy: TcpProxy;
  let t: TestApp;
  let witness: Witness;

  beforeAll(async () => {
    s3 = await startS3Server(`stowage-faults-${randomBytes(3).toString('hex')}`);
    const endpoint = new URL(s3.endpoint);
    proxy = await startTcpProxy({ host: endpoint.hostname, port: Number(endpoint.port) });
    endpoint.port = String(proxy.port);
    t = await startTestApp({
      ...s3.env,
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: endpoint.toString().replace(/\/$/, ''),
      ORPHAN_MIN_AGE_SECONDS: '1',
      SWEEP_INTERVAL_SECONDS: '0',
    });
    witness = await createWitness(t);
  });
  afterAll(async () => {
    await proxy?.restore();
    await t?.close();
    await proxy?.close();
    await s3?.close();
  });

  it('S3 down: uploads and downloads answer 503 STORAGE_UNAVAILABLE (not DATABASE_UNAVAILABLE); metadata still served; resumes', async () => {
    await quietLogs(OUTAGE_LOGS, async () => {
      await proxy.cut();
      expectOutage(await t.http().post('/api/files').set(auth(t.adminToken)).send(randomBytes(100_000)), 'STORAGE_UNAVAILABLE');
      expectOutage(await t.http().get(`/api/files/${witness.id}?alt=media`).set(auth(witness.token)), 'STORAGE_UNAVAILABLE');
      await t.http().get(`/api/files/${witness.id}`).set(auth(witness.token)).expect(200);
      const ready = await t.http().get('/health/ready');
      expect(ready.status).toBe(503);
      expect(JSON.stringify(ready.body)).toContain('storage');
    });
    await proxy.restore();
    await t.http().get('/health/ready').expect(200);
    await t.http().post('/api/files').set(auth(t.adminToken)).send(randomBytes(100_000)).expect(201);
    await expectInvariants(t, { witness, sweep: true });
  });

  it('S3 cut mid-download: the connection is aborted, never a short 200 that looks whole', async () => {
    const data = randomBytes(4 * MiB);
    const file = bodyOf<MolgenisFile>(await t.http().post('/api/files').set(auth(t.adminToken)).send(data).expect(201));
    await quietLogs(OUTAGE_LOGS, async () => {
      proxy.cutAfter(MiB);
      const res = await fetch(`${t.url}/api/files/${file.id}?alt=media`, { headers: auth(t.adminToken) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(data.length));
      // The body ends early with an error: the client knows it is not whole.
      await expect(res.arrayBuffer()).rejects.toThrow();
    });
    await proxy.restore();
    const whole = await t
      .http()
      .get(`/api/files/${file.id}?alt=media`)
      .set(auth(t.adminToken))
      .buffer(true)
      .parse(collectBytes)
      .expect(200);
    expect(sha256(whole.body as Buffer)).toBe(sha256(data));
    await expectInvariants(t, { witness, sweep: true });
  });
});
