import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPair } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Response } from 'supertest';
import { postFile } from '../support/appmixer-client.js';
import { AppmixerFile, auth, bodyOf, MolgenisFile, Page, Problem } from '../support/http.js';
import { createWitness, expectInvariants, resourceUsage, sha256, Witness } from '../support/invariants.js';
import { JwksServer, KeyPair, signIdpToken } from '../support/jwks-server.js';
import { startTcpProxy, TcpProxy } from '../support/tcp-proxy.js';
import { startTestApp, TestApp, testRedisUrl } from '../support/test-app.js';
import { quietLogs } from '../support/test-logger.js';

const KiB = 1024;
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

/** One raw native upload on `agent`: the status and the body's text (or the transport error's code). */
function upload(url: string, agent: Agent, token: string, data: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(
      new URL('/api/files', url),
      {
        method: 'POST',
        agent,
        headers: { ...auth(token), 'Content-Type': 'application/octet-stream', 'Content-Length': String(data.length) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
        res.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, body: error.code ?? error.message }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, body: error.code ?? error.message }));
    req.end(data);
  });
}

const expectRetryAfter = (res: Response) => {
  const wait = Number(res.headers['retry-after']);
  expect(Number.isInteger(wait) && wait >= 1).toBe(true);
};

/** 500 uploads at once: each is stored whole or refused with 429/503; memory, descriptors and the pool stay bounded. */
describe('reliability: a burst of 500 concurrent uploads', () => {
  const POOL = 10;
  let t: TestApp;
  let witness: Witness;

  beforeAll(async () => {
    t = await startTestApp(
      { DATABASE_POOL_SIZE: String(POOL), ORPHAN_MIN_AGE_SECONDS: '1', SWEEP_INTERVAL_SECONDS: '0' },
      { realDatabase: true },
    );
    witness = await createWitness(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('only 201, 429 or 503; every 201 readable with its exact bytes; memory, descriptors and the database pool bounded', async () => {
    const user = await t.createUser(['editor']);
    const baseline = resourceUsage();
    // Connections to the app's database, sampled from outside the app while the burst runs.
    const observer = new pg.Client({ connectionString: t.testEnv.env.DATABASE_URL });
    await observer.connect();
    const appConnections = async () =>
      (
        await observer.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        )
      ).rows[0].n;
    let peak = 0;
    let bursting = true;
    const sampling = (async () => {
      while (bursting) {
        peak = Math.max(peak, await appConnections());
        await sleep(20);
      }
    })();

    const agent = new Agent({ keepAlive: false, maxSockets: 500 });
    const bodies = Array.from({ length: 500 }, () => randomBytes(16 * KiB));
    const answers = await quietLogs(/SERVICE_BUSY|DATABASE_UNAVAILABLE|TOO_MANY_REQUESTS/, () =>
      Promise.all(bodies.map((data) => upload(t.url, agent, user.token, data))),
    );
    bursting = false;
    await sampling;
    agent.destroy();

    const statuses = new Map<number, number>();
    for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    expect([...statuses.keys()].filter((status) => ![201, 429, 503].includes(status))).toEqual([]);
    expect(statuses.get(201) ?? 0).toBeGreaterThan(0);

    const stored = answers.flatMap((answer, i) => (answer.status === 201 ? [{ id: (JSON.parse(answer.body) as MolgenisFile).id, i }] : []));
    for (let from = 0; from < stored.length; from += 50) {
      await Promise.all(
        stored.slice(from, from + 50).map(async ({ id, i }) => {
          const res = await fetch(`${t.url}/api/files/${id}?alt=media`, { headers: auth(user.token) });
          expect(res.status).toBe(200);
          expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(bodies[i]));
        }),
      );
    }
    const listed = bodyOf<Page<MolgenisFile>>(await t.http().get('/api/files?limit=1000').set(auth(user.token)).expect(200));
    expect(listed.items).toHaveLength(stored.length);

    // The pool never grew past its size (a small margin; the tus lock pool opens connections only for tus uploads).
    expect(peak).toBeLessThanOrEqual(POOL + 3);
    expect(await appConnections()).toBeLessThanOrEqual(POOL + 3);
    await observer.end();
    await expectInvariants(t, { witness, baseline, sweep: true });
  });
});

/** The Appmixer chunked upload (POST /files, uploader-* headers) fed duplicates and chunks out of order. */
describe('reliability: duplicate and out-of-order chunks', () => {
  let t: TestApp;
  let witness: Witness;

  beforeAll(async () => {
    t = await startTestApp({ ORPHAN_MIN_AGE_SECONDS: '1', SWEEP_INTERVAL_SECONDS: '0' });
    witness = await createWitness(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('chunks resent and shuffled, the last sent twice at once: one file, its bytes whole', async () => {
    const user = await t.createUser(['editor']);
    const parts = Array.from({ length: 6 }, () => randomBytes(64 * KiB));
    const whole = Buffer.concat(parts);
    const uploadId = `dup${randomBytes(4).toString('hex')}`;
    const send = (n: number) =>
      postFile(t, user.token, parts[n], {
        'uploader-file-id': uploadId,
        'uploader-chunks-total': parts.length,
        'uploader-chunk-number': n,
        'uploader-file-name': 'shuffled.bin',
      });
    for (const n of [4, 1, 1, 5, 0, 4, 2, 0]) {
      const res = await send(n).expect(200);
      expect(bodyOf<AppmixerFile>(res).md5).toBeNull();
    }
    // The missing chunk twice at once, with a resend of another beside them.
    const last = await Promise.all([send(3), send(3), send(5)]);
    expect(last.map((res) => res.status)).toEqual([200, 200, 200]);
    const files = last.map((res) => bodyOf<AppmixerFile>(res));
    expect(new Set(files.map((file) => file.fileId)).size).toBe(1);
    expect(files.some((file) => file.md5 === md5(whole) && file.length === whole.length)).toBe(true);

    const listed = bodyOf<Page<MolgenisFile>>(await t.http().get('/api/files?limit=1000').set(auth(user.token)).expect(200));
    expect(listed.items.map((file) => file.id)).toEqual([files[0].fileId]);
    const res = await fetch(`${t.url}/api/files/${files[0].fileId}?alt=media`, { headers: auth(user.token) });
    expect(res.status).toBe(200);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(whole));
    await expectInvariants(t, { witness, sweep: true });
  });
});

/** Two instances on one PostgreSQL and one Redis (as two replicas): the limits are the service's, not an instance's. */
describe('reliability: quotas and rate limits across two instances', () => {
  const LIMIT = 20;
  // Room for the witness (64 KiB) and for two uploads of `size`, not three.
  const QUOTA_BYTES = 160 * KiB;
  let t: TestApp;
  let sibling: TestApp;
  let witness: Witness;

  beforeAll(async () => {
    t = await startTestApp(
      {
        REDIS_URL: testRedisUrl(),
        RATE_LIMIT_PER_MINUTE: String(LIMIT),
        QUOTA_BYTES_PER_USER: String(QUOTA_BYTES),
        QUOTA_FILES_PER_USER: '50',
      },
      { realDatabase: true },
    );
    sibling = await t.startSibling();
    witness = await createWitness(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('requests alternating between the instances hit the limit at the shared count: 429 with Retry-After on both', async () => {
    const user = await t.createUser(['viewer']);
    const remaining: string[] = [];
    for (let i = 0; i < LIMIT; i++) {
      const res = await [t, sibling][i % 2].http().get('/api/auth/me').set(auth(user.token)).expect(200);
      remaining.push(res.headers['x-ratelimit-remaining']);
    }
    expect(remaining).toEqual(Array.from({ length: LIMIT }, (_, i) => String(LIMIT - 1 - i)));
    for (const instance of [t, sibling]) {
      const res = await instance.http().get('/api/files').set(auth(user.token));
      expect({ status: res.status, code: bodyOf<Problem>(res).code }).toEqual({ status: 429, code: 'TOO_MANY_REQUESTS' });
      expectRetryAfter(res);
    }
    await expectInvariants(t, { witness });
  });

  it('uploads on both instances count against one quota: 507 QUOTA_EXCEEDED, overshoot at most one in-flight file each', async () => {
    const size = 64 * KiB;
    const post = (instance: TestApp, token: string) =>
      instance.http().post('/api/files').set(auth(token)).set('Content-Type', 'application/octet-stream').send(randomBytes(size));
    const usage = async (token: string) =>
      ((await t.http().get('/api/auth/me').set(auth(token)).expect(200)).body as { usage: { bytes: number } }).usage.bytes;

    // One after another, alternating: the third does not fit, on either instance.
    const serial = await t.createUser(['editor']);
    await post(t, serial.token).expect(201);
    await post(sibling, serial.token).expect(201);
    for (const instance of [t, sibling]) {
      const res = await post(instance, serial.token);
      expect({ status: res.status, code: bodyOf<Problem>(res).code }).toEqual({ status: 507, code: 'QUOTA_EXCEEDED' });
    }
    expect(await usage(serial.token)).toBe(2 * size);

    // Six at once, three on each instance.
    const burst = await t.createUser(['editor']);
    const results = await Promise.all([t, sibling, t, sibling, t, sibling].map((instance) => post(instance, burst.token)));
    const statuses = results.map((res) => res.status);
    expect(statuses.every((status) => status === 201 || status === 507)).toBe(true);
    for (const res of results.filter((r) => r.status === 507)) expect(bodyOf<Problem>(res).code).toBe('QUOTA_EXCEEDED');
    const stored = statuses.filter((status) => status === 201).length;
    expect(stored).toBeGreaterThanOrEqual(2);
    const used = await usage(burst.token);
    expect(used).toBe(stored * size);
    expect(used).toBeLessThanOrEqual(QUOTA_BYTES + (results.length - 1) * size);
    // Once committed, nothing more gets in on either instance.
    for (const instance of [t, sibling]) expect((await post(instance, burst.token)).status).toBe(507);
    await expectInvariants(t, { witness });
  });
});

/** The IdP's JWKS endpoint behind a TCP proxy that the test cuts. */
describe('reliability: the JWKS endpoint goes away', () => {
  const ISSUER = 'https://idp.test/realms/stowage';
  const AUDIENCE = 'stowage';
  const jwks = new JwksServer();
  let proxy: TcpProxy;
  let t: TestApp;
  let known: KeyPair;
  const sign = (key: KeyPair, kid: string, alg = 'ES256') => signIdpToken(key, { kid, alg, iss: ISSUER, aud: AUDIENCE });

  beforeAll(async () => {
    known = await generateKeyPair('ES256', { extractable: true });
    await jwks.publish(known, 'ec-1', 'ES256');
    const uri = new URL(await jwks.start());
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(uri.port) });
    uri.port = String(proxy.port);
    t = await startTestApp({
      JWT_JWKS_URI: uri.toString(),
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_ROLES_CLAIM: 'realm_access.roles',
      JWT_JWKS_COOLDOWN_SECONDS: '1',
    });
  });
  afterAll(async () => {
    await proxy?.restore();
    await t?.close();
    await proxy?.close();
    await jwks.stop();
  });

  it('a token whose key is not cached: 503 IDENTITY_PROVIDER_UNAVAILABLE with Retry-After (not 401); accepted once the JWKS is back', async () => {
    await t
      .http()
      .get('/api/auth/me')
      .set(auth(await sign(known, 'ec-1')))
      .expect(200); // ec-1 is now cached
    const rotated = await generateKeyPair('ES256', { extractable: true });
    const token = await sign(rotated, 'ec-2');
    await quietLogs(/IDENTITY_PROVIDER_UNAVAILABLE|identity provider|ECONNREFUSED|fetch failed/i, async () => {
      await proxy.cut();
      await sleep(1100); // past the cooldown: the unknown kid makes the app fetch
      for (const path of ['/api/auth/me', '/api/files']) {
        const res = await t.http().get(path).set(auth(token));
        expect({ status: res.status, code: bodyOf<Problem>(res).code }).toEqual({ status: 503, code: 'IDENTITY_PROVIDER_UNAVAILABLE' });
        expectRetryAfter(res);
      }
      // Cached keys keep working meanwhile.
      await t
        .http()
        .get('/api/auth/me')
        .set(auth(await sign(known, 'ec-1')))
        .expect(200);
    });
    await jwks.publish(rotated, 'ec-2', 'ES256');
    await proxy.restore();
    await sleep(1100);
    await t.http().get('/api/auth/me').set(auth(token)).expect(200);
    await expectInvariants(t);
  });

  it('a JWKS endpoint that accepts but never answers: 503 once the fetch times out, not a hung request; recovers', async () => {
    const rotated = await generateKeyPair('ES256', { extractable: true });
    const token = await sign(rotated, 'ec-3');
    await quietLogs(/IDENTITY_PROVIDER_UNAVAILABLE|identity provider|did not answer in time/i, async () => {
      proxy.stall();
      await sleep(1100);
      const res = await t.http().get('/api/auth/me').set(auth(token));
      expect({ status: res.status, code: bodyOf<Problem>(res).code }).toEqual({ status: 503, code: 'IDENTITY_PROVIDER_UNAVAILABLE' });
      expectRetryAfter(res);
    });
    await jwks.publish(rotated, 'ec-3', 'ES256');
    await proxy.restore();
    await sleep(1100);
    await t.http().get('/api/auth/me').set(auth(token)).expect(200);
    await expectInvariants(t);
  });
});
