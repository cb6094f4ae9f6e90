import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { Response } from 'supertest';
import { auth } from './support/http.js';
import { ServiceProcess, startServiceProcess } from './support/service-process.js';
import { startTcpProxy, TcpProxy } from './support/tcp-proxy.js';
import { ADMIN, prepareTestEnv, startTestApp, TestApp, TestEnv, testRedisUrl } from './support/test-app.js';
import { quietLogs } from './support/test-logger.js';

/** A cheap anonymous request: the rate-limit guard counts it before validation refuses the empty body (400). */
const anonymous = (t: TestApp, address?: string) => {
  const request = t.http().post('/api/auth/login').send({});
  return address ? request.set('X-Forwarded-For', address) : request;
};

function expectLimited(res: Response, limit: number) {
  expect(res.status).toBe(429);
  const wait = Number(res.headers['retry-after']);
  expect(Number.isInteger(wait) && wait >= 1 && wait <= 60).toBe(true);
  expect(res.headers['x-ratelimit-limit']).toBe(String(limit));
  expect(res.headers['x-ratelimit-remaining']).toBe('0');
}

describe('RATE_LIMIT_PER_MINUTE in memory (no REDIS_URL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '6' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('limits each user across all routes, with X-RateLimit-* headers; past it 429 with Retry-After in every dialect', async () => {
    const user = await t.createUser(['viewer']);
    for (let i = 0; i < 6; i++) {
      const res = await t.http().get('/api/auth/me').set(auth(user.token)).expect(200);
      expect(res.headers['x-ratelimit-limit']).toBe('6');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(5 - i));
      expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    }
    const native = await t.http().get('/api/files').set(auth(user.token));
    expectLimited(native, 6);
    expect(native.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(native.body).toMatchObject({ status: 429, title: 'Too Many Requests', code: 'TOO_MANY_REQUESTS' });
    const appmixer = await t.http().get('/files').set(auth(user.token));
    expectLimited(appmixer, 6);
    expect(appmixer.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', code: 'TOO_MANY_REQUESTS' });
    const hasura = await t.http().get('/v1/file/some-file').set(auth(user.token));
    expectLimited(hasura, 6);
    expect(hasura.body).toEqual({ error: expect.stringMatching(/Rate limit exceeded/), code: 'TOO_MANY_REQUESTS' });
    // Another user has a budget of their own.
    await t.http().get('/api/auth/me').set(auth(t.adminToken)).expect(200);
  });

  it('never limits the health check', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await t.http().get('/health').expect(200);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });

  it('counts anonymous callers per client address, as TRUST_PROXY resolves it (X-Forwarded-For from loopback)', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await anonymous(t, '203.0.113.10').expect(400);
      expect(res.headers['x-ratelimit-remaining']).toBe(String(5 - i));
    }
    expectLimited(await anonymous(t, '203.0.113.10'), 6);
    // Another address behind the same proxy is another caller.
    expect((await anonymous(t, '203.0.113.11').expect(400)).headers['x-ratelimit-remaining']).toBe('5');
  });

  it('documents 429 (and 503 for the Redis store) on every route but /health', async () => {
    const doc = await t.http().get('/api/docs-json').expect(200);
    const { paths } = doc.body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(paths['/health'].get.responses['429']).toBeUndefined();
    for (const [path, item] of Object.entries(paths)) {
      if (path === '/health' || path.startsWith('/health/')) continue;
      for (const operation of Object.values(item)) expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['429', '503']));
    }
  });
});

describe('RATE_LIMIT_PER_MINUTE with TRUST_PROXY=false', () => {
  let t: TestApp;
  afterAll(async () => {
    await t?.close();
  });

  it('ignores X-Forwarded-For: every anonymous request from this host shares one budget', async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '4', TRUST_PROXY: 'false' });
    // The app's own start-up login took one.
    for (const address of ['203.0.113.20', '203.0.113.21', '203.0.113.22']) await anonymous(t, address).expect(400);
    expectLimited(await anonymous(t, '203.0.113.23'), 4);
  });
});

describe('RATE_LIMIT_PER_MINUTE with REDIS_URL', () => {
  let t: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '6', REDIS_URL: testRedisUrl() }, { realDatabase: true });
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    await t?.close();
    await redis?.quit();
  });

  it('keeps the counters in Redis under REDIS_KEY_PREFIX, each with an expiry', async () => {
    const user = await t.createUser(['viewer']);
    const res = await t.http().get('/api/auth/me').set(auth(user.token)).expect(200);
    expect(res.headers['x-ratelimit-remaining']).toBe('5');
    const prefix = t.testEnv.env.REDIS_KEY_PREFIX!;
    const keys = await redis.keys(`${prefix}rate:*`);
    expect(keys).toContain(`${prefix}rate:default:user:${user.id}:hits`);
    for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0);
  });

  it('holds one limit across two instances sharing Redis', async () => {
    const other = await t.startSibling();
    const user = await t.createUser(['viewer']);
    const remaining: string[] = [];
    for (const instance of [t, other, t, other, t, other]) {
      const res = await instance.http().get('/api/auth/me').set(auth(user.token)).expect(200);
      remaining.push(res.headers['x-ratelimit-remaining']);
    }
    expect(remaining).toEqual(['5', '4', '3', '2', '1', '0']);
    expectLimited(await t.http().get('/api/auth/me').set(auth(user.token)), 6);
    expectLimited(await other.http().get('/api/auth/me').set(auth(user.token)), 6);
  });
});

const redisTarget = () => {
  const { hostname, port } = new URL(testRedisUrl());
  return { host: hostname, port: Number(port || 6379) };
};

describe('Redis outage', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await startTcpProxy(redisTarget());
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000', REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
  });

  const me = () => t.http().get('/api/auth/me').set(auth(t.adminToken));

  async function expectStoreUnavailable() {
    const native = await me();
    expect(native.status).toBe(503);
    expect(native.headers['retry-after']).toBe('5');
    expect(native.body).toMatchObject({ status: 503, code: 'RATE_LIMIT_STORE_UNAVAILABLE' });
    const appmixer = await t.http().get('/files').set(auth(t.adminToken));
    expect(appmixer.status).toBe(503);
    expect(appmixer.body).toMatchObject({ statusCode: 503, code: 'RATE_LIMIT_STORE_UNAVAILABLE' });
    // Logins count failures in the same Redis: refused the same way, before any password is checked.
    const login = await t.http().post('/api/auth/login').send({ username: 'admin', password: 'admin-password' });
    expect(login.status).toBe(503);
    expect(login.body).toMatchObject({ code: 'RATE_LIMIT_STORE_UNAVAILABLE' });
    // The health check is not limited and does not need Redis.
    await t.http().get('/health').expect(200);
  }

  /** The client reconnects by itself (at most a second apart): poll, boundedly, until the service answers again. */
  async function expectRecovery() {
    for (let attempt = 0; attempt < 50; attempt++) {
      if ((await me()).status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await me().expect(200);
    await t.http().post('/api/auth/login').send({ username: 'admin', password: 'admin-password' }).expect(200);
  }

  // Every refused request is logged (an error line), and the outage once (a warning): right in production, noise here.
  const OUTAGE_LOGS = /failed: RATE_LIMIT_STORE_UNAVAILABLE|Redis at \S+ is unreachable/;

  it('answers 503 RATE_LIMIT_STORE_UNAVAILABLE with Retry-After while Redis refuses connections, and recovers by itself', async () => {
    await me().expect(200);
    await quietLogs(OUTAGE_LOGS, async () => {
      await proxy.cut();
      await expectStoreUnavailable();
      await proxy.restore();
      await expectRecovery();
    });
  });

  it('answers 503 rather than hanging while Redis accepts but never answers, and recovers by itself', async () => {
    await me().expect(200);
    await quietLogs(OUTAGE_LOGS, async () => {
      proxy.stall();
      await expectStoreUnavailable();
      await proxy.restore();
      await expectRecovery();
    });
  });
});

describe('a real service process started while Redis is down', () => {
  let proxy: TcpProxy;
  let env: TestEnv;
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop();
    await env?.cleanup();
    await proxy?.close();
  });

  it('starts, answers 503 on limited routes (health stays up), and serves once Redis is reachable', async () => {
    proxy = await startTcpProxy(redisTarget());
    await proxy.cut();
    env = await prepareTestEnv({ RATE_LIMIT_PER_MINUTE: '100', REDIS_URL: `redis://127.0.0.1:${proxy.port}`, LOG_LEVEL: 'warn' });
    service = await startServiceProcess(env.env);
    const login = () =>
      fetch(`${service!.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    const refused = await login();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(((await refused.json()) as { code: string }).code).toBe('RATE_LIMIT_STORE_UNAVAILABLE');
    expect(service.output()).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/);
    await proxy.restore();
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = (await login()).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(200);
    // The first service process of a run compiles the service, then it initialises its embedded database.
  }, 180_000);
});
