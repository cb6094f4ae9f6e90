import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/server';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config.js';
import { tusError, uploadLocked } from './tus-errors.js';

/** First key of every tus lock ('tus1'): keeps them apart from any other advisory lock on the database. */
export const LOCK_NAMESPACE = 0x74757331;
/** How long a request waits for an upload another request holds before it gets 423. */
const WAIT_MS = 3_000;
const POLL_MS = 100;

/**
 * tus' Locker over PostgreSQL session advisory locks, so that one upload is written by one request at a time across
 * every instance. Each held lock has a connection of its own (from a pool of TUS_LOCK_POOL_SIZE), returned on unlock;
 * if the process dies, PostgreSQL ends its sessions and the locks with them. A request does not take a lock from
 * another one (as tus' MemoryLocker would, which needs both in one process): it waits up to WAIT_MS, then gets 423.
 */
@Injectable()
export class PgAdvisoryLocker implements Locker, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(PgAdvisoryLocker.name);
  private readonly pool: pg.Pool;
  private shuttingDown = false;

  constructor(db: DataSource, config: AppConfig) {
    this.pool = new pg.Pool({
      // The URL TypeORM connected with: DATABASE_URL, or the embedded database's.
      connectionString: (db.options as { url?: string }).url,
      max: config.tus.lockPoolSize,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5_000,
    });
    // An idle connection that breaks is dropped by the pool; without a listener the error would end the process.
    // At shutdown the embedded database may stop first, closing them all: that is no news.
    this.pool.on('error', (error) => {
      if (!this.shuttingDown) this.logger.warn(`An idle upload-lock connection failed: ${error.message}`);
    });
  }

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  /** `waitMs`: how long to wait for a lock held elsewhere (0: try once, as the sweeper does). */
  newLock(id: string, waitMs = WAIT_MS): Lock {
    return new PgAdvisoryLock(this.pool, id, waitMs, this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

class PgAdvisoryLock implements Lock {
  private held?: { client: pg.PoolClient; onError: (error: Error) => void };

  constructor(
    private readonly pool: pg.Pool,
    private readonly id: string,
    private readonly waitMs: number,
    private readonly logger: Logger,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const client = await this.pool.connect();
    // The connection breaking means the lock is gone: the request holding it must stop writing.
    const onError = (error: Error) => {
      this.logger.warn(`Lost the lock on upload ${this.id} (${error.message}); stopping the request that held it`);
      void requestRelease();
    };
    client.on('error', onError);
    try {
      const deadline = Date.now() + this.waitMs;
      while (!(await this.tryLock(client))) {
        if (Date.now() >= deadline) throw uploadLocked();
        await sleep(POLL_MS, undefined, { signal });
      }
    } catch (error) {
      client.off('error', onError);
      client.release();
      throw signal.aborted ? tusError(ERRORS.ABORTED) : error;
    }
    this.held = { client, onError };
  }

  async unlock(): Promise<void> {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    try {
      await held.client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, this.id]);
      held.client.off('error', held.onError);
      held.client.release();
    } catch (error) {
      // Closing the connection ends its session, and the lock with it: never hand a session that may hold it back.
      held.client.off('error', held.onError);
      held.client.release(error as Error);
    }
  }

  private async tryLock(client: pg.PoolClient): Promise<boolean> {
    const rows = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [
      LOCK_NAMESPACE,
      this.id,
    ]);
    return rows.rows[0].locked;
  }
}
