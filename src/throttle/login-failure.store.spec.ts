import { afterEach, describe, expect, it } from '@jest/globals';
import { MemoryLoginFailureStore } from './login-failure.store.js';

describe('MemoryLoginFailureStore', () => {
  const store = new MemoryLoginFailureStore();
  afterEach(() => store.onApplicationShutdown());
  const limits = [
    { key: 'account:a', max: 2 },
    { key: 'address:x', max: 3 },
  ];

  it('counts attempts up to the max of every counter, then refuses without counting until the window ends', async () => {
    const t0 = 1_000_000;
    expect(await store.reserve(limits, 60_000, t0)).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await store.reserve(limits, 60_000, t0 + 1000)).toEqual({ allowed: true, retryAfterMs: 0 });
    // account:a is full: refused, and address:x (at 2 of 3) is not counted for it.
    expect(await store.reserve(limits, 60_000, t0 + 2000)).toEqual({ allowed: false, retryAfterMs: 58_000 });
    expect(await store.reserve([{ key: 'address:x', max: 3 }], 60_000, t0 + 3000)).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await store.reserve([{ key: 'address:x', max: 3 }], 60_000, t0 + 3000)).toMatchObject({ allowed: false });
    // The window began with the first attempt.
    expect(await store.reserve(limits, 60_000, t0 + 60_000)).toEqual({ allowed: true, retryAfterMs: 0 });
  });

  it('takes back released attempts, so that only failures stay counted', async () => {
    const limit = [{ key: 'account:b', max: 1 }];
    for (let i = 0; i < 5; i++) {
      expect(await store.reserve(limit, 60_000)).toMatchObject({ allowed: true });
      await store.release(['account:b']);
    }
    expect(await store.reserve(limit, 60_000)).toMatchObject({ allowed: true });
    expect(await store.reserve(limit, 60_000)).toMatchObject({ allowed: false });
    // Releasing a counter that does not exist (expired, never made) changes nothing.
    await store.release(['account:none']);
    expect(await store.reserve([{ key: 'account:none', max: 1 }], 60_000)).toMatchObject({ allowed: true });
  });
});
