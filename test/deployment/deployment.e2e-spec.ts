import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { metricValue } from '../support/metrics.js';
import { startNginx, Nginx } from '../support/nginx.js';
import { SERVICE_BUILD_DIR, ServiceProcess, ensureServiceBuild, startServiceProcess } from '../support/service-process.js';
import { ADMIN, prepareTestEnv, TestEnv } from '../support/test-app.js';
import { eventually, signatureVerifies, WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * The docker-compose shape, from real parts since there is no Docker engine here: a one-shot migration, two service
 * processes on one PostgreSQL and one S3 bucket (s3rver), and nginx with the repository's deploy/nginx.conf in
 * front. Every request below goes through nginx, except the scrapes that read each instance's own metrics.
 */

const MiB = 1024 * 1024;
const LARGE = 200 * MiB;
const METRICS_TOKEN = 'deployment-metrics-' + randomBytes(12).toString('hex');
const WEBHOOK_SECRET = 'deployment-webhooks-' + randomBytes(12).toString('hex');

/** 200 MiB that differ block by block (a misplaced block changes the hash), made on the fly, never held whole. */
const BLOCK = randomBytes(MiB);
function block(index: number): Buffer {
  const copy = Buffer.from(BLOCK);
  copy.writeUInt32BE(index, 0);
  return copy;
}
function* largeBody(): Generator<Buffer> {
  for (let i = 0; i < LARGE / MiB; i++) yield block(i);
}
function largeSlice(start: number, end: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = Math.floor(start / MiB); i <= Math.floor(end / MiB); i++) parts.push(block(i));
  const offset = Math.floor(start / MiB) * MiB;
  return Buffer.concat(parts).subarray(start - offset, end - offset + 1);
}

/** A streamed POST; resolves with status and parsed JSON body. */
function postStream(
  url: string,
  headers: Record<string, string>,
  body: Iterable<Buffer>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
    });
    req.on('error', reject);
    pipeline(Readable.from(body), req).catch(reject);
  });
}

/** Streams a response body through sha256, never holding it. */
async function hashOf(res: Response): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('the deployment shape: nginx (deploy/nginx.conf) in front of two instances on PostgreSQL and S3', () => {
  let testEnv: TestEnv;
  let instances: ServiceProcess[] = [];
  let nginx: Nginx;
  let token: string;
  const receiver = new WebhookReceiver();
  const auth = () => ({ Authorization: `Bearer ${token}` });
  const scrape = (instance: ServiceProcess) =>
    fetch(`${instance.url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } }).then(async (r) => {
      expect(r.status).toBe(200);
      return r.text();
    });
  const onBoth = async (name: string, labels?: Record<string, string>) =>
    (await Promise.all(instances.map(scrape))).map((text) => metricValue(text, name, labels));

  beforeAll(async () => {
    await receiver.start();
    testEnv = await prepareTestEnv(
      {
        STORAGE_DRIVER: 's3',
        METRICS_TOKEN,
        DATABASE_MIGRATIONS_RUN: 'false',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        WEBHOOK_URLS: receiver.url,
        WEBHOOK_SECRET,
        WEBHOOK_POLL_INTERVAL_MS: '100',
      },
      { realDatabase: true },
    );
    // As compose's one-shot `migrate` service: the migrations run once, before any replica starts.
    await ensureServiceBuild();
    await promisify(execFile)(
      process.execPath,
      [join('node_modules', 'typeorm', 'cli.js'), 'migration:run', '-d', join(SERVICE_BUILD_DIR, 'ormconfig.js')],
      { cwd: join(import.meta.dirname, '..', '..'), env: { ...process.env, ...testEnv.env, NODE_OPTIONS: '' } },
    );
    const nodeArgs = ['--max-semi-space-size=4'];
    instances = await Promise.all([startServiceProcess(testEnv.env, { nodeArgs }), startServiceProcess(testEnv.env, { nodeArgs })]);
    nginx = await startNginx(instances.map((i) => `127.0.0.1:${i.port}`));
    const login = await fetch(`${nginx.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    expect(login.status).toBe(200);
    token = ((await login.json()) as { token: string }).token;
  }, 240_000);

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all(instances.map((i) => i.stop()));
    await testEnv?.cleanup();
    await receiver.stop();
  }, 60_000);

  let large: { id: string; sha256: string };

  it('a 200 MiB raw upload streams through, and downloads whole', async () => {
    const hash = createHash('sha256');
    for (const chunk of largeBody()) hash.update(chunk);
    const expected = hash.digest('hex');
    const res = await postStream(
      `${nginx.url}/api/files`,
      { ...auth(), 'Content-Type': 'application/octet-stream', 'Content-Length': String(LARGE), 'x-molgenis-filename': 'large.bin' },
      largeBody(),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ filename: 'large.bin', size: LARGE });
    large = { id: res.body.id as string, sha256: expected };
    const meta = await fetch(`${nginx.url}/api/files/${large.id}`, { headers: auth() });
    expect(((await meta.json()) as { sha256: string }).sha256).toBe(expected);

    const download = await fetch(`${nginx.url}/api/files/${large.id}?alt=media`, { headers: auth() });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-length')).toBe(String(LARGE));
    expect(await hashOf(download)).toEqual({ sha256: expected, bytes: LARGE });
  }, 300_000);

  it('downloads with Range: a middle slice, a suffix, an unsatisfiable range', async () => {
    const middle = await fetch(`${nginx.url}/api/files/${large.id}?alt=media`, {
      headers: { ...auth(), Range: 'bytes=104857000-104858999' },
    });
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe(`bytes 104857000-104858999/${LARGE}`);
    expect(middle.headers.get('accept-ranges')).toBe('bytes');
    expect(sha256(Buffer.from(await middle.arrayBuffer()))).toBe(sha256(largeSlice(104857000, 104858999)));

    const suffix = await fetch(`${nginx.url}/api/files/${large.id}?alt=media`, { headers: { ...auth(), Range: 'bytes=-10' } });
    expect(suffix.status).toBe(206);
    expect(suffix.headers.get('content-range')).toBe(`bytes ${LARGE - 10}-${LARGE - 1}/${LARGE}`);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(largeSlice(LARGE - 10, LARGE - 1))).toBe(true);

    const beyond = await fetch(`${nginx.url}/api/files/${large.id}?alt=media`, { headers: { ...auth(), Range: `bytes=${LARGE}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${LARGE}`);
    await beyond.arrayBuffer();
  });

  it('a chunked upload whose chunks land on different instances arrives whole', async () => {
    const before = await onBoth('http_requests_total', { method: 'POST', route: '/files', status: '200' });
    const chunks = [randomBytes(256 * 1024), randomBytes(256 * 1024), randomBytes(256 * 1024), randomBytes(100 * 1024)];
    const uploadId = `deployment${randomBytes(4).toString('hex')}`;
    let last: Record<string, unknown> = {};
    for (const [index, chunk] of chunks.entries()) {
      const form = new FormData();
      form.append('file', new Blob([chunk]), 'blob');
      const res = await fetch(`${nginx.url}/files`, {
        method: 'POST',
        headers: {
          ...auth(),
          'uploader-file-id': uploadId,
          'uploader-chunks-total': String(chunks.length),
          'uploader-chunk-number': String(index),
          'uploader-file-name': 'chunked.bin',
        },
        body: form,
      });
      expect(res.status).toBe(200);
      last = (await res.json()) as Record<string, unknown>;
    }
    const whole = Buffer.concat(chunks);
    expect(last).toMatchObject({ filename: 'chunked.bin', length: whole.length, md5: createHash('md5').update(whole).digest('hex') });

    const after = await onBoth('http_requests_total', { method: 'POST', route: '/files', status: '200' });
    const perInstance = after.map((n, i) => n - before[i]);
    expect(perInstance[0] + perInstance[1]).toBe(chunks.length);
    expect(perInstance[0]).toBeGreaterThanOrEqual(1);
    expect(perInstance[1]).toBeGreaterThanOrEqual(1);

    const download = await fetch(`${nginx.url}/api/files/${last.fileId as string}?alt=media`, { headers: auth() });
    expect(download.status).toBe(200);
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(whole));
  });

  it('a body sent with Transfer-Encoding: chunked (no Content-Length) streams through to the instance', async () => {
    const content = Buffer.concat([randomBytes(MiB), randomBytes(1234)]);
    const res = await postStream(`${nginx.url}/api/files`, { ...auth(), 'x-molgenis-filename': 'streamed.bin' }, [
      content.subarray(0, MiB),
      content.subarray(MiB),
    ]);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ size: content.length, sha256: sha256(content) });
  });

  it('a 1,024-character filename: its ~9 KiB header goes up, and a ~7 KiB Content-Disposition comes back', async () => {
    const name = Array.from({ length: 1024 }, (_, i) => String.fromCharCode(0x4e00 + i)).join('');
    const header = encodeURIComponent(name);
    expect(header.length).toBe(9216);
    const up = await fetch(`${nginx.url}/api/files`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'text/plain', 'x-molgenis-filename': header },
      body: 'named at length',
    });
    expect(up.status).toBe(201);
    // The service keeps 2,048 bytes of UTF-8 of a name: 682 of these 3-byte characters.
    const { id, filename } = (await up.json()) as { id: string; filename: string };
    expect(filename).toBe(name.slice(0, 682));

    const down = await fetch(`${nginx.url}/api/files/${id}?alt=media`, { headers: auth() });
    expect(down.status).toBe(200);
    const disposition = down.headers.get('content-disposition')!;
    expect(disposition.length).toBeGreaterThan(6800);
    expect(decodeURIComponent(/filename\*=UTF-8''(\S+)$/.exec(disposition)![1])).toBe(filename);
    expect(await down.text()).toBe('named at length');
  });

  it('forwards what the instances need: the request id nginx assigns comes back, a 401 keeps its WWW-Authenticate', async () => {
    const res = await fetch(`${nginx.url}/api/auth/me`, { headers: auth() });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    const unauthenticated = await fetch(`${nginx.url}/api/auth/me`);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('www-authenticate')).toMatch(/^Bearer /);
    await unauthenticated.arrayBuffer();
  });

  it('metrics: both instances served part of the traffic; /metrics through nginx still wants the token', async () => {
    const uploaded = await onBoth('stowage_upload_bytes_total');
    expect(uploaded[0] + uploaded[1]).toBeGreaterThanOrEqual(LARGE + 868 * 1024 + MiB);
    const downloaded = await onBoth('stowage_download_bytes_total');
    expect(downloaded[0] + downloaded[1]).toBeGreaterThanOrEqual(LARGE);
    const gets = await onBoth('http_requests_total', { method: 'GET', route: '/api/files/:id', status: '200' });
    expect(gets[0] + gets[1]).toBe(4);
    const ranges = await onBoth('http_requests_total', { method: 'GET', route: '/api/files/:id', status: '206' });
    expect(ranges[0] + ranges[1]).toBe(2);
    for (const served of await onBoth('http_requests_total', { method: 'POST', route: '/api/auth/login', status: '200' })) {
      expect(served).toBeLessThanOrEqual(1);
    }
    expect((await onBoth('stowage_uploads_in_flight')).every((n) => n === 0)).toBe(true);

    const proxied = await fetch(`${nginx.url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(proxied.status).toBe(200);
    expect(await proxied.text()).toContain('http_requests_total{');
    const refused = await fetch(`${nginx.url}/metrics`, { headers: auth() });
    expect(refused.status).toBe(401);
    await refused.arrayBuffer();
    expect(await nginx.errorLog()).not.toMatch(/too big header|upstream prematurely closed/);
  });

  it('a webhook delivered once: both instances dispatch from one outbox, each event reaches the receiver one time', async () => {
    const up = await fetch(`${nginx.url}/api/files`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'text/plain', 'x-molgenis-filename': 'hooked.txt' },
      body: 'announced',
    });
    expect(up.status).toBe(201);
    const { id } = (await up.json()) as { id: string };
    const deliveries = async () => {
      const res = await fetch(`${nginx.url}/api/webhooks/deliveries?limit=1000`, { headers: auth() });
      expect(res.status).toBe(200);
      return (await res.json()) as { items: { id: string; status: string; attempts: number }[]; total: number };
    };
    // Every upload of this spec queued a file.created: all of them delivered, each one attempt.
    const all = await eventually(async () => {
      const page = await deliveries();
      expect(page.items.every((d) => d.status === 'delivered')).toBe(true);
      return page;
    });
    expect(all.items.every((d) => d.attempts === 1)).toBe(true);
    const hooked = receiver.received.filter((hook) => (JSON.parse(hook.body) as { data: { file: { id: string } } }).data.file.id === id);
    expect(hooked).toHaveLength(1);
    expect(hooked[0].headers['stowage-event']).toBe('file.created');
    expect(signatureVerifies(WEBHOOK_SECRET, hooked[0])).toBe(true);
    expect(receiver.received).toHaveLength(all.total);
    expect(new Set(receiver.received.map((hook) => hook.headers['stowage-delivery'])).size).toBe(all.total);
  });
});
