import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { ServiceProcess, startServiceProcess } from './support/service-process.js';
import { ADMIN, prepareTestEnv, startTestApp, TestApp, TestEnv } from './support/test-app.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function login(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

async function upload(url: string, token: string, bytes: Buffer): Promise<string> {
  const res = await fetch(`${url}/api/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'x-molgenis-filename': 'shared.bin' },
    body: bytes,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function download(url: string, token: string, id: string): Promise<Buffer> {
  const res = await fetch(`${url}/api/files/${id}?alt=media`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe('two instances on one database and one storage', () => {
  let t: TestApp;
  afterAll(async () => {
    await t?.close();
  });

  it('serve the same files and accept each other’s tokens', async () => {
    t = await startTestApp({}, { realDatabase: true });
    const other = await t.startSibling();
    const bytes = randomBytes(100_000);
    const id = await upload(t.url, t.adminToken, bytes);
    // Same JWT_SECRET, same rows, same objects: any instance serves any request.
    expect(sha256(await download(other.url, t.adminToken, id))).toBe(sha256(bytes));
  });
});

describe('a real service process', () => {
  let env: TestEnv;
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop();
    await env?.cleanup();
  });

  it('keeps committed files through SIGKILL and a restart on the same data', async () => {
    env = await prepareTestEnv({ LOG_LEVEL: 'warn' });
    service = await startServiceProcess(env.env);
    const token = await login(service.url, ADMIN.username, ADMIN.password);
    const bytes = randomBytes(50_000);
    const id = await upload(service.url, token, bytes);

    service.kill('SIGKILL');
    expect(await service.exited).toBe('SIGKILL');
    service = await startServiceProcess(env.env, { port: service.port });
    expect(sha256(await download(service.url, token, id))).toBe(sha256(bytes));
    // Two process starts, each on the embedded database, after the service build: generous on a loaded machine.
  }, 180_000);
});
