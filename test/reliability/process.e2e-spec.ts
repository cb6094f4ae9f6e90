import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config/load-config.js';
import { MolgenisFile, Page, TokenResponse } from '../support/http.js';
import { sha256 } from '../support/invariants.js';
import { rawConnection, uploadHead } from '../support/raw-http.js';
import { startServiceProcess, ServiceProcess } from '../support/service-process.js';
import { partialUploads, storedObjects } from '../support/stored-objects.js';
import { ADMIN, prepareTestEnv, TestEnv } from '../support/test-app.js';

const MiB = 1024 * 1024;

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  return ((await res.json()) as TokenResponse).token;
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** Faults of the process itself: a planned stop (SIGTERM) and a crash (SIGKILL) of a real `node dist/src/main.js`. */
describe('reliability: the service process', () => {
  let testEnv: TestEnv;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    testEnv = await prepareTestEnv(
      { SHUTDOWN_GRACE_SECONDS: '20', ORPHAN_MIN_AGE_SECONDS: '1', SWEEP_INTERVAL_SECONDS: '0' },
      { realDatabase: true },
    );
  });
  afterAll(async () => {
    await service?.stop();
    await testEnv?.cleanup();
  });

  it('SIGTERM: readiness 503 at once (on a kept-alive connection too), new requests refused, the upload in flight committed, exit 0', async () => {
    service = await startServiceProcess(testEnv.env);
    const token = await login(service.url);
    const keptAlive = await rawConnection(service.url);
    keptAlive.socket.write('GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(await keptAlive.answered).toBe(200);

    const size = 2 * MiB;
    const data = randomBytes(size);
    const upload = await rawConnection(service.url);
    upload.socket.write(uploadHead('/api/files', token, { 'Content-Type': 'application/octet-stream', 'Content-Length': size }));
    upload.socket.write(data.subarray(0, size / 2));
    await sleep(300);

    service.kill('SIGTERM');
    // Signal delivery and Nest's first hooks take a moment; the upload keeps the drain going meanwhile.
    await sleep(1000);
    const before = keptAlive.received().length;
    keptAlive.socket.write('GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await waitFor(
      () => Promise.resolve(/HTTP\/1\.1 \d{3}/.test(keptAlive.received().slice(before))),
      'readiness on the kept-alive connection',
      5000,
    );
    const second = keptAlive.received().slice(before);
    expect(second).toMatch(/^HTTP\/1\.1 503/);
    expect(second.toLowerCase()).toContain('connection: close');

    const fresh = await fetch(`${service.url}/api/files`, { headers: { Authorization: `Bearer ${token}` } }).then(
      (res) => res.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(fresh);

    upload.socket.write(data.subarray(size / 2));
    expect(await upload.answered).toBe(201);
    const id = (JSON.parse(upload.received().slice(upload.received().indexOf('\r\n\r\n') + 4)) as MolgenisFile).id;
    expect(await service.exited).toBe(0);

    service = await startServiceProcess(testEnv.env);
    const res = await fetch(`${service.url}/api/files/${id}?alt=media`, {
      headers: { Authorization: `Bearer ${await login(service.url)}` },
    });
    expect(res.status).toBe(200);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(data));
    await service.stop();
  }, 180_000);

  it('SIGKILL mid-upload: after a restart nothing is listed, and the sweeper removes the partial bytes', async () => {
    service = await startServiceProcess(testEnv.env);
    const token = await login(service.url);
    const listBefore = (
      (await (
        await fetch(`${service.url}/api/files?limit=1000`, { headers: { Authorization: `Bearer ${token}` } })
      ).json()) as Page<MolgenisFile>
    ).items;
    const objectsBefore = await storedObjects(loadConfig(testEnv.env));

    const size = 4 * MiB;
    const upload = await rawConnection(service.url);
    upload.socket.write(uploadHead('/api/files', token, { 'Content-Type': 'application/octet-stream', 'Content-Length': size }));
    upload.socket.write(randomBytes(size / 2));
    const config = loadConfig(testEnv.env);
    await waitFor(async () => (await partialUploads(config)).length > 0, 'the temp bytes to appear', 10_000);
    service.kill('SIGKILL');
    await service.exited;
    upload.socket.destroy();
    expect((await partialUploads(config)).length).toBeGreaterThan(0);

    // The restarted process sweeps on its own schedule.
    service = await startServiceProcess({ ...testEnv.env, SWEEP_INTERVAL_SECONDS: '1' });
    const listed = (
      (await (
        await fetch(`${service.url}/api/files?limit=1000`, { headers: { Authorization: `Bearer ${await login(service.url)}` } })
      ).json()) as Page<MolgenisFile>
    ).items;
    expect(listed.map((f) => f.id)).toEqual(listBefore.map((f) => f.id));
    await waitFor(async () => (await partialUploads(config)).length === 0, 'the sweeper to remove the partial upload', 30_000);
    expect(await storedObjects(config)).toEqual(objectsBefore);
  }, 180_000);
});
