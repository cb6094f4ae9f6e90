import { BeforeApplicationShutdown, DynamicModule, Logger, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import { AppConfig } from './config/app-config.js';
import { AppConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { FilesModule } from './files/files.module.js';
import { TusModule } from './files/tus/tus.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RedisModule } from './redis/redis.module.js';
import { StorageModule } from './storage/storage.module.js';
import { UsersModule } from './users/users.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

/** The whole service, built from one validated configuration (see `loadConfig`). */
@Module({})
export class AppModule implements BeforeApplicationShutdown {
  /** Nest then closes the HTTP server (letting requests in flight finish), the pool, and the embedded database. */
  beforeApplicationShutdown(signal?: string): void {
    new Logger('Shutdown').log(`Shutting down${signal ? ` on ${signal}` : ''}: no new connections, finishing requests in flight`);
  }

  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      // FilesModule before the others: Express tries routes in the order they were registered, and the file routes
      // carry nearly all the traffic (their paths overlap no other module's).
      imports: [
        AppConfigModule.forRoot(config),
        ScheduleModule.forRoot(),
        RedisModule,
        DatabaseModule,
        StorageModule,
        FilesModule,
        TusModule,
        UsersModule,
        AuthModule,
        HealthModule,
        MetricsModule,
        AuditModule,
        WebhooksModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
