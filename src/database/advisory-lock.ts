import type pg from 'pg';
import type { DataSource } from 'typeorm';

export type LockedRun<T> = { acquired: true; result: T } | { acquired: false };

/**
 * Runs `work` while this process holds the PostgreSQL advisory lock named `name`, so that of several instances on one
 * database only one does it at a time; answers `{ acquired: false }` at once, without running it, while another
 * session holds the lock. A session-level lock on one pooled connection, kept for the whole of `work`: if this process
 * dies, PostgreSQL drops the lock with its connection. The name is hashed to the lock's 64-bit key.
 */
export async function withAdvisoryLock<T>(dataSource: DataSource, name: string, work: () => Promise<T>): Promise<LockedRun<T>> {
  const pool = (dataSource.driver as unknown as { master: pg.Pool }).master;
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const { rows } = await client
      .query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [name])
      .catch((error: Error) => {
        broken = error;
        throw error;
      });
    if (!rows[0].locked) return { acquired: false };
    try {
      return { acquired: true, result: await work() };
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [name]).catch((error: Error) => {
        // A connection that may still hold the lock must never serve anyone again: the pool closes it, which frees it.
        broken = error;
      });
    }
  } finally {
    client.release(broken);
  }
}
