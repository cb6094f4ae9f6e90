import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { OrphanSweeper } from '../src/files/orphans/orphan-sweeper.js';
import { postFile } from './support/appmixer-client.js';
import { collectBytes } from './support/bytes.js';
import { metricValue, parseMetrics } from './support/metrics.js';
import { refusableDatabase, RefusableDatabase } from './support/refusable-database.js';
import { freePort } from './support/service-process.js';
import { tusUpload } from './support/tus-client.js';
import { startTestApp, TestApp } from './support/test-app.js';

const TOKEN = 'metrics-token-' + randomBytes(12).toString('hex');
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Polls `read` until `done` holds for what it returns (bounded: a test must end). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (done(value)) return value;
    await sleep(50);
  }
  throw new Error(`Timed out waiting for ${what}`);
}

describe('metrics off (neither METRICS_TOKEN nor METRICS_PORT)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET /metrics answers 404, whatever credentials are sent', async () => {
    const res = await t.http().get('/metrics').expect(404);
    expect(res.body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    await t.http().get('/metrics').set(auth(t.adminToken)).expect(404);
    await t.http().get('/metrics').set(auth('anything-at-all-long-enough')).expect(404);
  });
});

describe('metrics with METRICS_TOKEN', () => {
  let t: TestApp;
  let editor: { id: string; token: string };
  const scrape = async () => (await t.http().get('/metrics').set(auth(TOKEN)).expect(200)).text;

  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN: TOKEN });
    editor = await t.createUser(['editor']);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers only the metrics token: 401 without it, with a wrong one, and with a user JWT or API token', async () => {
    const none = await t.http().get('/metrics').expect(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="stowage-metrics"');
    expect(none.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    await t
      .http()
      .get('/metrics')
      .set(auth(TOKEN + 'x'))
      .expect(401);
    await t
      .http()
      .get('/metrics')
      .set(auth(TOKEN.slice(0, -1)))
      .expect(401);
    await t.http().get('/metrics').set('x-molgenis-token', TOKEN).expect(401);
    await t.http().get('/metrics').set(auth(t.adminToken)).expect(401);
    const apiToken = await t.http().post('/api/tokens').set(auth(t.adminToken)).send({ description: 'scraper' }).expect(201);
    await t
      .http()
      .get('/metrics')
      .set(auth((apiToken.body as { token: string }).token))
      .expect(401);

    const ok = await t.http().get('/metrics').set(auth(TOKEN)).expect(200);
    expect(ok.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(ok.headers['cache-control']).toBe('no-store');
    // The default process metrics, parseable as a whole.
    const names = new Set(parseMetrics(ok.text).map((s) => s.name));
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('counts and times requests by route template, never by raw URL', async () => {
    const file = await t.http().post('/api/files').set(auth(editor.token)).set('x-molgenis-filename', 'a.txt').send(Buffer.from('abc'));
    expect(file.status).toBe(201);
    const { id } = file.body as { id: string };
    const before = await scrape();
    const labels = { method: 'GET', route: '/api/files/:id', status: '200' };
    await t.http().get(`/api/files/${id}`).set(auth(editor.token)).expect(200);
    await t.http().get(`/api/files/${id}`).set(auth(editor.token)).expect(200);
    await t.http().get(`/api/files/${id}`).expect(401);
    const nowhere = `nowhere-${randomBytes(6).toString('hex')}`;
    await t.http().get(`/api/${nowhere}/${id}`).set(auth(editor.token)).expect(404);
    await t.http().get(`/v1/file/${id}`).set(auth(editor.token)).expect(200);

    const after = await scrape();
    expect(metricValue(after, 'http_requests_total', labels) - metricValue(before, 'http_requests_total', labels)).toBe(2);
    expect(
      metricValue(after, 'http_request_duration_seconds_count', labels) -
        metricValue(before, 'http_request_duration_seconds_count', labels),
    ).toBe(2);
    expect(metricValue(after, 'http_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
    expect(metricValue(after, 'http_requests_total', { ...labels, status: '401' })).toBe(1);
    expect(metricValue(after, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(after, 'http_requests_total', { method: 'GET', route: '/v1/file/:fileId', status: '200' })).toBe(1);
    expect(metricValue(after, 'http_requests_total', { method: 'POST', route: '/api/files', status: '201' })).toBeGreaterThanOrEqual(1);
    // Ids and unknown paths never become label values.
    expect(after).not.toContain(id);
    expect(after).not.toContain(nowhere);
    const routes = new Set(parseMetrics(after).flatMap((s) => (s.labels.route === undefined ? [] : [s.labels.route])));
    for (const route of routes) expect(route === 'unmatched' || route.startsWith('/')).toBe(true);
  });

  it('counts file bytes received and sent: raw and chunked uploads, whole and ranged downloads, not HEAD', async () => {
    const content = randomBytes(1000);
    const before = await scrape();
    const file = await t.http().post('/api/files').set(auth(editor.token)).send(content).expect(201);
    const { id } = file.body as { id: string };
    const first = await postFile(t, editor.token, randomBytes(300), { 'uploader-chunks-total': 2, 'uploader-chunk-number': 1 }).expect(200);
    await postFile(t, editor.token, randomBytes(200), {
      'uploader-file-id': (first.body as { fileId: string }).fileId,
      'uploader-chunks-total': 2,
      'uploader-chunk-number': 2,
    }).expect(200);
    const whole = await t.http().get(`/api/files/${id}?alt=media`).set(auth(editor.token)).buffer(true).parse(collectBytes).expect(200);
    expect(Buffer.compare(whole.body as Buffer, content)).toBe(0);
    await t
      .http()
      .get(`/api/files/${id}?alt=media`)
      .set(auth(editor.token))
      .set('Range', 'bytes=0-99')
      .buffer(true)
      .parse(collectBytes)
      .expect(206);
    await t.http().head(`/api/files/${id}?alt=media`).set(auth(editor.token)).expect(200);

    const after = await scrape();
    // The chunked upload's assembly rewrites its 500 bytes in storage: received once, counted once.
    expect(metricValue(after, 'stowage_upload_bytes_total') - metricValue(before, 'stowage_upload_bytes_total')).toBe(1000 + 300 + 200);
    expect(metricValue(after, 'stowage_download_bytes_total') - metricValue(before, 'stowage_download_bytes_total')).toBe(1000 + 100);
  });

  it('counts the bytes of resumable (tus) uploads, and orphan sweeps by what they remove', async () => {
    const before = await scrape();
    const result = await tusUpload(t.url, editor.token, randomBytes(4321), { metadata: { filename: 'tus.bin' } });
    expect(result.fileId).toBeDefined();
    await t.app.get(OrphanSweeper).sweep();
    const after = await scrape();
    expect(metricValue(after, 'stowage_upload_bytes_total') - metricValue(before, 'stowage_upload_bytes_total')).toBe(4321);
    const sweeps = (kind: string, text: string) => metricValue(text, 'stowage_sweeps_total', { kind, outcome: 'ok' });
    for (const kind of ['orphan_objects', 'orphan_partial_writes', 'orphan_upload_sessions']) {
      expect(sweeps(kind, after) - sweeps(kind, before)).toBeGreaterThanOrEqual(1);
    }
    // The uploads of this spec are young and committed: the sweep removes none of them.
    expect(metricValue(after, 'stowage_sweep_removed_total', { kind: 'orphan_objects' })).toBe(0);
  });

  it('shows an upload in flight while its body streams, and none once it is stored', async () => {
    const url = new URL(`${t.url}/api/files`);
    const inFlight = () => scrape().then((text) => metricValue(text, 'stowage_uploads_in_flight'));
    expect(await inFlight()).toBe(0);
    const response = new Promise<number>((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', headers: { ...auth(editor.token), 'Content-Length': '2000' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(randomBytes(1000));
      void until(inFlight, (n) => n === 1, 'the upload to be in flight').then(
        () => req.end(randomBytes(1000)),
        (error: Error) => {
          req.destroy();
          reject(error);
        },
      );
    });
    expect(await response).toBe(201);
    expect(await inFlight()).toBe(0);
  });
});

describe('metrics under a rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a scraper is never limited (it must see a Redis outage, not be stopped by it)', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await t.http().get('/metrics').set(auth(TOKEN)).expect(200);
      expect(res.headers['x-ratelimit-remaining']).toBeUndefined();
    }
  });
});

describe('metrics with METRICS_PORT', () => {
  let t: TestApp;
  let metricsUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}`;
    // An expiry of 1 s: the sweeper runs every second.
    t = await startTestApp({ METRICS_PORT: String(port), HOST: '127.0.0.1', UPLOAD_EXPIRY_SECONDS: '1' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves /metrics on its own port without credentials, and nothing else; the main port has none', async () => {
    const res = await fetch(`${metricsUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await res.text()).toContain('process_cpu_user_seconds_total');
    expect((await fetch(`${metricsUrl}/api/files`)).status).toBe(404);
    expect((await fetch(`${metricsUrl}/metrics`, { method: 'POST' })).status).toBe(405);
    await t.http().get('/metrics').expect(404);
    await t.http().get('/metrics').set(auth(t.adminToken)).expect(404);
  });

  it('counts sweeper runs and the expired uploads they removed', async () => {
    const editor = await t.createUser(['editor']);
    await postFile(t, editor.token, 'half of it', {
      'uploader-file-id': `left${Date.now()}`,
      'uploader-chunks-total': 2,
      'uploader-chunk-number': 0,
    }).expect(200);
    const text = await until(
      () => fetch(`${metricsUrl}/metrics`).then((r) => r.text()),
      (body) => metricValue(body, 'stowage_sweep_removed_total', { kind: 'expired_uploads' }) >= 1,
      'the sweeper to remove the abandoned upload',
    );
    expect(metricValue(text, 'stowage_sweep_removed_total', { kind: 'expired_uploads' })).toBe(1);
    expect(metricValue(text, 'stowage_sweeps_total', { kind: 'expired_uploads', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(metricValue(text, 'stowage_sweeps_total', { kind: 'expired_uploads', outcome: 'failed' })).toBe(0);
  });

  it('closes its port with the app', async () => {
    const port = await freePort();
    const other = await startTestApp({ METRICS_PORT: String(port), HOST: '127.0.0.1' });
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    await other.close();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});

describe('metrics of failures', () => {
  let t: TestApp;
  let database: RefusableDatabase;

  beforeAll(async () => {
    // A database of its own on a real server, so that the test can refuse it connections.
    // Silent: the 503s it provokes would log their errors.
    t = await startTestApp({ METRICS_TOKEN: TOKEN, LOG_LEVEL: 'silent' }, { realDatabase: true });
    database = await refusableDatabase(t);
  });
  afterAll(async () => {
    await database?.close();
    await t?.close();
  });

  it('counts database errors by code, and still answers /metrics while the database is down', async () => {
    const file = await t.http().post('/api/files').set(auth(t.adminToken)).send(Buffer.from('x')).expect(201);
    const before = (await t.http().get('/metrics').set(auth(TOKEN)).expect(200)).text;
    expect(metricValue(before, 'stowage_errors_total', { code: 'DATABASE_UNAVAILABLE' })).toBe(0);

    await database.refuse();
    const failed = await t
      .http()
      .get(`/api/files/${(file.body as { id: string }).id}`)
      .set(auth(t.adminToken));
    expect(failed.status).toBe(503);
    const during = (await t.http().get('/metrics').set(auth(TOKEN)).expect(200)).text;
    expect(metricValue(during, 'stowage_errors_total', { code: 'DATABASE_UNAVAILABLE' })).toBe(1);
    expect(metricValue(during, 'http_requests_total', { method: 'GET', route: '/api/files/:id', status: '503' })).toBe(1);
    // Client errors are not failures of ours: they show in http_requests_total only.
    await t.http().get('/api/files/missing').expect(401);
    const after = (await t.http().get('/metrics').set(auth(TOKEN)).expect(200)).text;
    expect(
      parseMetrics(after)
        .filter((s) => s.name === 'stowage_errors_total')
        .map((s) => s.labels.code),
    ).toEqual(['DATABASE_UNAVAILABLE']);
  });
});
