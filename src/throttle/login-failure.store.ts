import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { storeUnavailable } from './store-unavailable.js';

/** A counter and the most it may reach within its window. */
export interface FailureLimit {
  key: string;
  max: number;
}

/** `retryAfterMs` is set when the attempt was refused: how long until the fullest counter's window ends. */
export interface Reservation {
  allowed: boolean;
  retryAfterMs: number;
}

/**
 * Counters of failed logins, each in a fixed window that starts with its first failure. An attempt is counted
 * *before* its password is checked (so concurrent attempts cannot overshoot, and a refused one costs no hashing) and
 * handed back when it succeeds, so that only failures remain counted. The throttler's `ThrottlerStorage` can only
 * add, which is why this is a store of its own (on the same Redis, under the same key prefix).
 */
export abstract class LoginFailureStore {
  /** Counts one attempt on every counter, unless one of them is already at its max: then counts nothing. */
  abstract reserve(limits: FailureLimit[], windowMs: number): Promise<Reservation>;
  /** Takes back one attempt counted by `reserve` (it succeeded, or was never judged). */
  abstract release(keys: string[]): Promise<void>;
}

/** One process's counters: for a single instance (no REDIS_URL). */
export class MemoryLoginFailureStore extends LoginFailureStore implements OnApplicationShutdown {
  private readonly counters = new Map<string, { count: number; resetAt: number }>();
  private readonly sweeper = setInterval(() => this.sweep(), 60_000).unref();

  reserve(limits: FailureLimit[], windowMs: number, now = Date.now()): Promise<Reservation> {
    let wait = 0;
    for (const { key, max } of limits) {
      const counter = this.live(key, now);
      if (counter && counter.count >= max) wait = Math.max(wait, counter.resetAt - now);
    }
    if (wait > 0) return Promise.resolve({ allowed: false, retryAfterMs: wait });
    for (const { key } of limits) {
      const counter = this.live(key, now);
      if (counter) counter.count++;
      else this.counters.set(key, { count: 1, resetAt: now + windowMs });
    }
    return Promise.resolve({ allowed: true, retryAfterMs: 0 });
  }

  release(keys: string[]): Promise<void> {
    for (const key of keys) {
      const counter = this.live(key, Date.now());
      if (counter && counter.count > 0) counter.count--;
    }
    return Promise.resolve();
  }

  private live(key: string, now: number) {
    const counter = this.counters.get(key);
    if (counter && counter.resetAt <= now) {
      this.counters.delete(key);
      return undefined;
    }
    return counter;
  }

  private sweep(now = Date.now()): void {
    for (const [key, counter] of this.counters) if (counter.resetAt <= now) this.counters.delete(key);
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }
}

/** KEYS: the counters; ARGV[1]: the window in ms, ARGV[1 + i]: the max of KEYS[i]. Returns 0, or ms to wait. */
const RESERVE = `
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[i + 1]) then
    local left = redis.call('PTTL', key)
    if left < 0 then
      redis.call('PEXPIRE', key, ARGV[1])
      left = tonumber(ARGV[1])
    end
    if left > wait then wait = left end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
end
return 0
`;

/** DECR keeps the key's expiry; a counter that expired meanwhile is left alone. */
const RELEASE = `
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
`;

interface WithScripts {
  stowageLoginReserve(numberOfKeys: number, ...args: (string | number)[]): Promise<number>;
  stowageLoginRelease(numberOfKeys: number, ...keys: string[]): Promise<number>;
}

/** The counters in Redis, shared by every instance; both scripts are atomic. */
export class RedisLoginFailureStore extends LoginFailureStore {
  private readonly logger = new Logger(RedisLoginFailureStore.name);
  private readonly redis: Redis & WithScripts;

  constructor(redis: Redis) {
    super();
    // The number of keys varies per call: passed first, as EVAL takes it.
    redis.defineCommand('stowageLoginReserve', { lua: RESERVE });
    redis.defineCommand('stowageLoginRelease', { lua: RELEASE });
    this.redis = redis as Redis & WithScripts;
  }

  async reserve(limits: FailureLimit[], windowMs: number): Promise<Reservation> {
    const keys = limits.map((limit) => `login:${limit.key}`);
    const wait = await this.run(() => this.redis.stowageLoginReserve(keys.length, ...keys, windowMs, ...limits.map((limit) => limit.max)));
    return { allowed: wait === 0, retryAfterMs: wait };
  }

  async release(keys: string[]): Promise<void> {
    await this.run(() => this.redis.stowageLoginRelease(keys.length, ...keys.map((key) => `login:${key}`)));
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      if (this.redis.status === 'ready') this.logger.warn(`Redis refused a login-failure update: ${(error as Error).message}`);
      throw storeUnavailable();
    }
  }
}
