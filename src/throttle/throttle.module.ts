import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { LoginFailureStore, MemoryLoginFailureStore, RedisLoginFailureStore } from './login-failure.store.js';
import { LoginThrottle } from './login-throttle.js';
import { ApiThrottlerGuard } from './rate-limit.guard.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

/**
 * Rate limits (the throttler's options and storage, and the guard `RateLimitGuard` runs) and failed-login counting, both in Redis
 * with REDIS_URL (so they hold across instances), else in this process. docs/rate-limits.md.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, RedisConnection],
      useFactory: (config: AppConfig, redis: RedisConnection) => ({
        // Without RATE_LIMIT_PER_MINUTE the guard is off and never reads this limit.
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.limits.requestsPerMinute ?? Number.MAX_SAFE_INTEGER }],
        // Unset: the throttler's own memory storage.
        storage: redis.client ? new RedisThrottlerStorage(redis.client) : undefined,
      }),
    }),
  ],
  providers: [
    ApiThrottlerGuard,
    LoginThrottle,
    {
      provide: LoginFailureStore,
      inject: [RedisConnection],
      useFactory: (redis: RedisConnection) => (redis.client ? new RedisLoginFailureStore(redis.client) : new MemoryLoginFailureStore()),
    },
  ],
  exports: [ApiThrottlerGuard, LoginThrottle],
})
export class ThrottleModule {}
