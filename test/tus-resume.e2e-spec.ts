import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Upload } from 'tus-js-client';
import { AppConfig } from '../src/config/app-config.js';
import { loadConfig } from '../src/config/load-config.js';
import { auth, bodyOf, MolgenisFile, Problem, TokenResponse } from './support/http.js';
import { ServiceProcess, startServiceProcess } from './support/service-process.js';
import { ADMIN, prepareTestEnv, startTestApp, TestApp, TestEnv } from './support/test-app.js';
import { GatedHttpStack, tusUpload } from './support/tus-client.js';
import { tusBytesStored, tusLeftovers, tusUploadLocked, waitFor } from './support/tus-storage.js';

const MiB = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const TUS = { 'Tus-Resumable': '1.0.0' };

async function fetchJson(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
  };
}

async function login(url: string): Promise<string> {
  const res = await fetchJson(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: ADMIN.username, password: ADMIN.password }),
  });
  return bodyOf<TokenResponse>(res).token;
}

/**
 * Starts a tus-js-client upload of `bytes` at `baseUrl` that stops sending after `pauseAfter` bytes, and waits until
 * the store holds at least `stored` of them: the PATCH is then in flight, with bytes durably in. Answers the upload
 * (for abort()) and its path.
 */
async function startCutUpload(baseUrl: string, token: string, config: AppConfig, bytes: Buffer, pauseAfter: number, stored: number) {
  const stack = new GatedHttpStack(pauseAfter);
  const upload = new Upload(bytes, {
    endpoint: `${baseUrl}/api/uploads`,
    headers: auth(token),
    retryDelays: [],
    httpStack: stack,
    metadata: { filename: 'resumed.bin', filetype: 'application/x-test' },
    // The cut is the point: tus-js-client reports it as an error.
    onError: () => undefined,
  });
  upload.start();
  await stack.paused;
  await waitFor('the upload URL', () => upload.url !== null);
  const path = new URL(upload.url!).pathname;
  const id = path.split('/').pop()!;
  await waitFor(`${stored} bytes to be stored`, async () => (await tusBytesStored(config, id)) >= stored);
  return { upload, path, id };
}

/** HEAD until the upload is free again (a cut PATCH may still hold it for a moment); answers its offset. */
async function offsetOf(baseUrl: string, path: string, token: string): Promise<number> {
  let offset = Number.NaN;
  await waitFor('HEAD to answer 200', async () => {
    const res = await fetch(`${baseUrl}${path}`, { method: 'HEAD', headers: { ...TUS, ...auth(token) } });
    offset = Number(res.headers.get('upload-offset'));
    return res.status === 200;
  });
  return offset;
}

describe('tus: an upload resumed through a second instance', () => {
  let t: TestApp;
  afterAll(async () => {
    await t?.close();
  });

  it('continues on another instance sharing the database and storage, from the offset the first stored', async () => {
    t = await startTestApp({}, { realDatabase: true });
    const sibling = await t.startSibling();
    const bytes = randomBytes(20 * MiB);
    const cut = await startCutUpload(t.url, t.adminToken, t.config, bytes, 12 * MiB, 8 * MiB);
    await cut.upload.abort();
    const offset = await offsetOf(sibling.url, cut.path, t.adminToken);
    expect(offset).toBeGreaterThanOrEqual(8 * MiB);

    const resumed = await tusUpload(sibling.url, t.adminToken, bytes, { uploadUrl: `${sibling.url}${cut.path}` });
    expect(resumed.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['HEAD 200', 'PATCH 204']);
    expect(resumed.requests[1].offset).toBe(offset);
    // Hashed from the stored object (the sibling never saw the first bytes), and visible on the first instance.
    const meta = await t.http().get(`/api/files/${resumed.fileId}`).set(auth(t.adminToken)).expect(200);
    expect(meta.body).toMatchObject({
      filename: 'resumed.bin',
      contentType: 'application/x-test',
      size: bytes.length,
      sha256: sha256(bytes),
    });
    expect(await tusLeftovers(t.config, cut.id)).toEqual([]);
  });

  it('locks an upload across instances: a HEAD on one waits for a PATCH on the other, then gets 423', async () => {
    const create = await t.http().post('/api/uploads').set(auth(t.adminToken)).set(TUS).set('Upload-Length', '1000');
    const path = create.headers.location;
    const sibling = await t.startSibling();
    const patch = httpRequest(`${sibling.url}${path}`, {
      method: 'PATCH',
      headers: {
        ...TUS,
        ...auth(t.adminToken),
        'Upload-Offset': 0,
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': 1000,
      },
    });
    const answered = new Promise<number>((resolve, reject) =>
      patch.on('response', (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject),
    );
    patch.write(Buffer.alloc(10));
    await waitFor('the PATCH to hold the upload', () => tusUploadLocked(t.app, path.split('/').pop()!));
    const head = await t.http().head(path).set(auth(t.adminToken)).set(TUS);
    expect(head.status).toBe(423);
    patch.end(Buffer.alloc(990));
    expect(await answered).toBe(204);
  });
});

describe('tus: an upload cut off by SIGKILL', () => {
  let env: TestEnv;
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop();
    await env?.cleanup();
  });

  it('resumes after a restart from the offset the server had made durable', async () => {
    env = await prepareTestEnv({ LOG_LEVEL: 'warn' });
    const config = loadConfig(env.env);
    service = await startServiceProcess(env.env);
    const token = await login(service.url);
    const bytes = randomBytes(24 * MiB);
    const cut = await startCutUpload(service.url, token, config, bytes, 12 * MiB, 8 * MiB);

    service.kill('SIGKILL');
    expect(await service.exited).toBe('SIGKILL');
    service = await startServiceProcess(env.env, { port: service.port });
    const offset = await offsetOf(service.url, cut.path, token);
    expect(offset).toBeGreaterThanOrEqual(8 * MiB);
    expect(offset).toBeLessThanOrEqual(12 * MiB);

    const resumed = await tusUpload(service.url, token, bytes, { uploadUrl: `${service.url}${cut.path}` });
    expect(resumed.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['HEAD 200', 'PATCH 204']);
    expect(resumed.requests[1].offset).toBe(offset);
    const meta = await fetchJson(`${service.url}/api/files/${resumed.fileId}`, { headers: auth(token) });
    expect(meta.body).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
    expect(await tusLeftovers(config, cut.id)).toEqual([]);
    // Two boots of a real process (and, on the first test of a run, the service's build), on a shared machine.
  }, 240_000);
});

describe('tus: expiry and the size limit', () => {
  let t: TestApp;
  afterAll(async () => {
    await t?.close();
  });

  it('sweeps an expired upload, bytes and all; tus-js-client then starts over', async () => {
    t = await startTestApp({ UPLOAD_EXPIRY_SECONDS: '1', MAX_UPLOAD_BYTES: String(MiB) });
    const admin = auth(t.adminToken);
    const create = await t.http().post('/api/uploads').set(admin).set(TUS).set('Upload-Length', '2000');
    expect(create.headers['upload-expires']).toBeDefined();
    const path = create.headers.location;
    const id = path.split('/').pop()!;
    await t
      .http()
      .patch(path)
      .set(admin)
      .set(TUS)
      .set('Upload-Offset', '0')
      .set('Content-Type', 'application/offset+octet-stream')
      .send(Buffer.alloc(1000));
    expect(await tusLeftovers(t.config, id)).not.toEqual([]);

    await waitFor('the sweeper to remove the upload', async () => (await t.http().head(path).set(admin).set(TUS)).status === 404);
    expect(await tusLeftovers(t.config, id)).toEqual([]);
    const bytes = randomBytes(2000);
    const again = await tusUpload(t.url, t.adminToken, bytes, { uploadUrl: `${t.url}${path}` });
    expect(again.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['HEAD 404', 'POST 201', 'PATCH 204']);
    const meta = await t.http().get(`/api/files/${again.fileId}`).set(admin).expect(200);
    expect(bodyOf<MolgenisFile>(meta).sha256).toBe(sha256(bytes));
  });

  it('refuses an Upload-Length over MAX_UPLOAD_BYTES with 413 before reading a byte, and records nothing', async () => {
    const res = await t
      .http()
      .post('/api/uploads')
      .set(auth(t.adminToken))
      .set(TUS)
      .set('Upload-Length', String(MiB + 1))
      .set('Content-Type', 'application/offset+octet-stream')
      .send(Buffer.alloc(1000));
    expect(res.status).toBe(413);
    expect(bodyOf<Problem>(res).code).toBe('PAYLOAD_TOO_LARGE');
    expect(res.headers.location).toBeUndefined();
    expect(await tusLeftovers(t.config)).toEqual([]);
    const exact = await t.http().post('/api/uploads').set(auth(t.adminToken)).set(TUS).set('Upload-Length', String(MiB));
    expect(exact.status).toBe(201);
  });
});
