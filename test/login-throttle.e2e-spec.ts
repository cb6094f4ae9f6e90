import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Response } from 'supertest';
import { ADMIN, startTestApp, TestApp, testRedisUrl } from './support/test-app.js';
import { quietLogs } from './support/test-logger.js';

const login = (t: TestApp, username: string, password: string, address: string) =>
  t.http().post('/api/auth/login').set('X-Forwarded-For', address).send({ username, password });

const wrong = () => `wrong-${randomBytes(4).toString('hex')}`;

function expectThrottled(res: Response) {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({
    status: 429,
    code: 'TOO_MANY_REQUESTS',
    detail: expect.stringMatching(/^Too many failed logins; try again in \d+ s\.$/),
  });
  const wait = Number(res.headers['retry-after']);
  expect(Number.isInteger(wait) && wait >= 1 && wait <= 900).toBe(true);
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe('failed logins, with the default limits (10 per account, 20 per address, in 15 minutes), in memory', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('per account: past 10 failures, from any addresses, 429 even for the right password; other accounts log in', async () => {
    const user = await t.createUser(['viewer']);
    for (let i = 0; i < 10; i++) await login(t, user.username, wrong(), `198.51.100.${i}`).expect(401);
    expectThrottled(await login(t, user.username, user.password, '198.51.100.200'));
    const other = await t.createUser(['viewer']);
    await login(t, other.username, other.password, '198.51.100.1').expect(200);
  });

  it('counts an unknown username like a known one, and answers it the same', async () => {
    const ghost = `ghost-${randomBytes(4).toString('hex')}`;
    for (let i = 0; i < 10; i++) await login(t, ghost, wrong(), `198.51.101.${i}`).expect(401);
    expectThrottled(await login(t, ghost, wrong(), '198.51.101.200'));
  });

  it('counts failures only: many successful logins in a row do not use up the limit', async () => {
    const user = await t.createUser(['viewer']);
    for (let i = 0; i < 15; i++) await login(t, user.username, user.password, '198.51.102.1').expect(200);
    for (let i = 0; i < 10; i++) await login(t, user.username, wrong(), '198.51.102.1').expect(401);
    expectThrottled(await login(t, user.username, user.password, '198.51.102.1'));
  });

  it('per address: past 20 failures from one address, across accounts, 429; another address still logs in', async () => {
    for (let i = 0; i < 20; i++) await login(t, `sprayed-${i}`, wrong(), '192.0.2.77').expect(401);
    expectThrottled(await login(t, ADMIN.username, ADMIN.password, '192.0.2.77'));
    await login(t, ADMIN.username, ADMIN.password, '192.0.2.78').expect(200);
  });

  it('a flood of 150 concurrent bad logins from one address: 20 are checked (401), 130 refused unhashed (429); a good login from another address answers 200 meanwhile', async () => {
    const flood = Array.from({ length: 150 }, (_, i) =>
      login(t, `flood-${i % 7}-${randomBytes(2).toString('hex')}`, wrong(), '192.0.2.99'),
    );
    // supertest sends a request when it is awaited: all of the flood first, then the good login, at once.
    const answers = await Promise.all([...flood, login(t, ADMIN.username, ADMIN.password, '192.0.2.100')]);
    expect(answers.pop()!.status).toBe(200);
    const statuses = answers.map((res) => res.status);
    // Counted before hashing, so concurrency cannot overshoot: exactly the limit reached the hasher, within its queue.
    expect({ 401: count(statuses, 401), 429: count(statuses, 429), other: statuses.filter((s) => s !== 401 && s !== 429) }).toEqual({
      401: 20,
      429: 130,
      other: [],
    });
  });
});

describe('a full password hashing queue', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Only the two running hashes, none waiting; failure counts off so that only the queue refuses.
    t = await startTestApp({
      PASSWORD_HASH_MAX_WAITING: '0',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '0',
      LOGIN_MAX_FAILURES_PER_ADDRESS: '0',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 SERVICE_BUSY with Retry-After at once rather than queueing; logins work again once it drains', async () => {
    const burst = await quietLogs(/failed: SERVICE_BUSY|Password hashing queue full/, () =>
      Promise.all(Array.from({ length: 60 }, (_, i) => login(t, ADMIN.username, wrong(), `192.0.2.${i + 1}`))),
    );
    const statuses = burst.map((res) => res.status);
    expect(statuses.filter((s) => s !== 401 && s !== 503)).toEqual([]);
    expect(count(statuses, 503)).toBeGreaterThan(0);
    expect(count(statuses, 401)).toBeGreaterThanOrEqual(2);
    for (const res of burst.filter((r) => r.status === 503)) {
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toMatchObject({ status: 503, code: 'SERVICE_BUSY' });
    }
    await login(t, ADMIN.username, ADMIN.password, '192.0.2.200').expect(200);
  });
});

describe('failed logins with REDIS_URL', () => {
  let t: TestApp;
  let other: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    t = await startTestApp({ REDIS_URL: testRedisUrl(), LOGIN_MAX_FAILURES_PER_ACCOUNT: '4' }, { realDatabase: true });
    other = await t.startSibling();
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    await t?.close();
    await redis?.quit();
  });

  it('are counted across instances sharing Redis, under REDIS_KEY_PREFIX', async () => {
    const user = await t.createUser(['viewer']);
    for (const instance of [t, other, t, other]) await login(instance, user.username, wrong(), '198.51.103.1').expect(401);
    expectThrottled(await login(t, user.username, user.password, '198.51.103.2'));
    expectThrottled(await login(other, user.username, user.password, '198.51.103.3'));
    const prefix = t.testEnv.env.REDIS_KEY_PREFIX!;
    expect(await redis.get(`${prefix}login:address:198.51.103.1`)).toBe('4');
    for (const key of await redis.keys(`${prefix}login:*`)) expect(await redis.pttl(key)).toBeGreaterThan(0);
  });

  it('hold under a flood of 150 concurrent bad logins spread over both instances: exactly 20 checked, 130 refused', async () => {
    const flood = Array.from({ length: 150 }, (_, i) => login(i % 2 ? t : other, `flood-${i}`, wrong(), '192.0.2.150'));
    const answers = await Promise.all([...flood, login(other, ADMIN.username, ADMIN.password, '192.0.2.151')]);
    expect(answers.pop()!.status).toBe(200);
    const statuses = answers.map((res) => res.status);
    expect({ 401: count(statuses, 401), 429: count(statuses, 429) }).toEqual({ 401: 20, 429: 130 });
  });
});
