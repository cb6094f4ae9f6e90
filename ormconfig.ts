// The data source the TypeORM CLI uses (`npm run migration:run`). It reads DATABASE_URL itself, as the CLI runs
// outside the app; the embedded database migrates itself on start.
import { DataSource } from 'typeorm';
import { Session } from './src/auth/sessions/session.entity.js';
import { ApiToken } from './src/auth/tokens/api-token.entity.js';
import { typeormOptions } from './src/database/typeorm-options.js';
import { FileMeta } from './src/files/file-meta.entity.js';
import { FileGrant } from './src/files/sharing/file-grant.entity.js';
import { User } from './src/users/user.entity.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required for the TypeORM CLI (the embedded database migrates on start).');

// The full entity list lives only here: the app loads each module's own (autoLoadEntities).
export default new DataSource({ ...typeormOptions(url), entities: [User, FileMeta, FileGrant, ApiToken, Session] });
