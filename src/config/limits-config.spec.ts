import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './load-config.js';

describe('loadConfig: rate limits, failed logins, Redis', () => {
  it('defaults: no request limit, failed logins counted (10 per account, 20 per address, 15 min), 32 hashes may wait, no Redis', () => {
    const config = loadConfig({});
    expect(config.limits).toEqual({
      requestsPerMinute: undefined,
      loginFailuresPerAccount: 10,
      loginFailuresPerAddress: 20,
      loginFailureWindowSeconds: 900,
      passwordHashMaxWaiting: 32,
    });
    expect(config.redis).toBeUndefined();
  });

  it('reads every setting', () => {
    const config = loadConfig({
      RATE_LIMIT_PER_MINUTE: '120',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '0',
      LOGIN_MAX_FAILURES_PER_ADDRESS: '50',
      LOGIN_FAILURE_WINDOW_SECONDS: '60',
      PASSWORD_HASH_MAX_WAITING: '0',
      REDIS_URL: 'redis://cache:6379/2',
      REDIS_KEY_PREFIX: 'files-eu:',
    });
    expect(config.limits).toEqual({
      requestsPerMinute: 120,
      loginFailuresPerAccount: 0,
      loginFailuresPerAddress: 50,
      loginFailureWindowSeconds: 60,
      passwordHashMaxWaiting: 0,
    });
    expect(config.redis).toEqual({ url: 'redis://cache:6379/2', keyPrefix: 'files-eu:' });
    expect(loadConfig({ REDIS_URL: 'rediss://user:secret@cache:6380' }).redis).toEqual({
      url: 'rediss://user:secret@cache:6380',
      keyPrefix: 'stowage:',
    });
  });

  it.each([
    [{ RATE_LIMIT_PER_MINUTE: '0' }, 'RATE_LIMIT_PER_MINUTE'],
    [{ RATE_LIMIT_PER_MINUTE: 'lots' }, 'RATE_LIMIT_PER_MINUTE'],
    [{ LOGIN_MAX_FAILURES_PER_ACCOUNT: '-1' }, 'LOGIN_MAX_FAILURES_PER_ACCOUNT'],
    [{ LOGIN_MAX_FAILURES_PER_ADDRESS: '2.5' }, 'LOGIN_MAX_FAILURES_PER_ADDRESS'],
    [{ LOGIN_FAILURE_WINDOW_SECONDS: '0' }, 'LOGIN_FAILURE_WINDOW_SECONDS'],
    [{ PASSWORD_HASH_MAX_WAITING: '-3' }, 'PASSWORD_HASH_MAX_WAITING'],
    [{ REDIS_URL: 'http://cache:6379' }, 'REDIS_URL'],
    [{ REDIS_URL: 'redis://cache', REDIS_KEY_PREFIX: 'has space' }, 'REDIS_KEY_PREFIX'],
  ])('fails at boot naming the bad variable: %p', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`Invalid configuration:[\\s\\S]*${variable}`));
  });
});
