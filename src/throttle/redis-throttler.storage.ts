import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { storeUnavailable } from './store-unavailable.js';

/** What `ThrottlerStorage.increment` returns (the throttler does not export the record type by name). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One hit in a fixed window of `ttl` ms; past `limit` hits the key is blocked for `blockDuration` ms and the count
 * starts afresh after it, as in the throttler's own memory storage. Atomic in Redis, so every instance shares it.
 * Returns [hits, ms until the window ends, blocked 0/1, ms until the block ends].
 */
const INCREMENT = `
local hitsKey, blockKey = KEYS[1], KEYS[2]
local ttl, limit, blockDuration = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local blockLeft = redis.call('PTTL', blockKey)
if blockLeft > 0 then
  return { limit + 1, blockLeft, 1, blockLeft }
end
local hits = redis.call('INCR', hitsKey)
local windowLeft = redis.call('PTTL', hitsKey)
if windowLeft < 0 then
  redis.call('PEXPIRE', hitsKey, ttl)
  windowLeft = ttl
end
if hits <= limit then
  return { hits, windowLeft, 0, 0 }
end
if blockDuration <= 0 then
  return { hits, windowLeft, 1, windowLeft }
end
redis.call('SET', blockKey, '1', 'PX', blockDuration)
redis.call('DEL', hitsKey)
return { hits, blockDuration, 1, blockDuration }
`;

interface WithIncrement {
  stowageThrottlerIncrement(hitsKey: string, blockKey: string, ttl: number, limit: number, blockDuration: number): Promise<number[]>;
}

/**
 * `ThrottlerStorage` for `@nestjs/throttler` in Redis. No published Redis storage accepts NestJS 12 yet (their peer
 * ranges stop at 11), so this one provides storage only: the counting rules stay the throttler guard's.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);

  constructor(private readonly redis: Redis) {
    redis.defineCommand('stowageThrottlerIncrement', { numberOfKeys: 2, lua: INCREMENT });
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const base = `rate:${throttlerName}:${key}`;
    let reply: number[];
    try {
      reply = await (this.redis as unknown as WithIncrement).stowageThrottlerIncrement(
        `${base}:hits`,
        `${base}:block`,
        ttl,
        limit,
        blockDuration,
      );
    } catch (error) {
      if (this.redis.status === 'ready') this.logger.warn(`Redis refused a rate-limit update: ${(error as Error).message}`);
      throw storeUnavailable();
    }
    const [totalHits, windowLeft, blocked, blockLeft] = reply;
    return {
      totalHits,
      timeToExpire: Math.ceil(windowLeft / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(blockLeft / 1000),
    };
  }
}
