import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations/index.js';

/**
 * One definition of the schema-bearing options, shared by the app and the TypeORM CLI (ormconfig.ts). No entities:
 * the app loads those its modules register (`TypeOrmModule.forFeature`, `autoLoadEntities`); the CLI lists them all.
 */
export function typeormOptions(url: string, overrides: { migrationsRun?: boolean; poolSize?: number } = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsRun: overrides.migrationsRun ?? false,
    synchronize: false,
    extra: { max: overrides.poolSize ?? 10, connectionTimeoutMillis: 5000 },
  };
}
