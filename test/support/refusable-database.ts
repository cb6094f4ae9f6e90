import pg from 'pg';
import { DataSource } from 'typeorm';
import type { TestApp } from './test-app.js';

/** The app's own database on a real server, which the test can close to every connection: a database outage. */
export interface RefusableDatabase {
  /** Refuses new connections and ends the open ones. */
  refuse(): Promise<void>;
  allow(): Promise<void>;
  close(): Promise<void>;
}

export async function refusableDatabase(t: TestApp): Promise<RefusableDatabase> {
  const url = new URL((t.app.get(DataSource).options as { url: string }).url);
  const database = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  const allow = async () => {
    await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
  };
  return {
    async refuse() {
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
    },
    allow,
    async close() {
      await allow().catch(() => undefined);
      await admin.end();
    },
  };
}
