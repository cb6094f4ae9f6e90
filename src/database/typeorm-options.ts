import type { DataSourceOptions } from 'typeorm';
import { Session } from '../auth/sessions/session.entity.js';
import { ApiToken } from '../auth/tokens/api-token.entity.js';
import { FileMeta } from '../files/file-meta.entity.js';
import { FileGrant } from '../files/sharing/file-grant.entity.js';
import { User } from '../users/user.entity.js';
import { MIGRATIONS } from './migrations/index.js';

export const ENTITIES = [User, FileMeta, FileGrant, ApiToken, Session];

/** One definition of the schema-bearing options, shared by the app and the TypeORM CLI (ormconfig.ts). */
export function typeormOptions(url: string, overrides: { migrationsRun?: boolean; poolSize?: number } = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: overrides.migrationsRun ?? false,
    synchronize: false,
    extra: { max: overrides.poolSize ?? 10, connectionTimeoutMillis: 5000 },
  };
}
