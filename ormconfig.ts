// The data source the TypeORM CLI uses (`npm run migration:run`). It reads DATABASE_URL itself, as the CLI runs
// outside the app; the embedded database migrates itself on start.
import { DataSource } from 'typeorm';
import { typeormOptions } from './src/database/typeorm-options.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required for the TypeORM CLI (the embedded database migrates on start).');

export default new DataSource(typeormOptions(url));
