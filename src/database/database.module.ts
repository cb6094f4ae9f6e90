import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { EmbeddedDatabase } from './embedded-database.js';
import { typeormOptions } from './typeorm-options.js';

@Module({ providers: [EmbeddedDatabase], exports: [EmbeddedDatabase] })
class EmbeddedDatabaseModule {}

/** PostgreSQL at DATABASE_URL, or the embedded one when it is unset. Migrations run on start unless disabled. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [EmbeddedDatabaseModule],
      inject: [AppConfig, EmbeddedDatabase],
      useFactory: async (config: AppConfig, embedded: EmbeddedDatabase) => ({
        ...typeormOptions(config.database.url ?? (await embedded.start()), {
          migrationsRun: config.database.migrationsRun,
          poolSize: config.database.poolSize,
        }),
        // Each feature module registers its own entities (TypeOrmModule.forFeature): database/ imports none of them.
        autoLoadEntities: true,
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
})
export class DatabaseModule {}
