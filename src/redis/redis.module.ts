import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RedisConnection } from './redis-connection.js';

/** The one Redis client of the service (REDIS_URL); without it, `RedisConnection.client` is undefined. */
@Global()
@Module({
  providers: [
    {
      provide: RedisConnection,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => (config.redis ? RedisConnection.connect(config.redis) : RedisConnection.none()),
    },
  ],
  exports: [RedisConnection],
})
export class RedisModule {}
