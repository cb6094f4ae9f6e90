import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import lockfile from 'proper-lockfile';

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder refreshes the lock this often; a lock not refreshed for STALE_MS belongs to a process that is gone. */
const STALE_MS = 10_000;
const UPDATE_MS = 2_000;

/**
 * Keeps a second Stowage process from opening the same DATA_DIR (and starting a second PostgreSQL on its cluster).
 * proper-lockfile's lock is a directory (`DATA_DIR/stowage.lock`) whose mtime the holder keeps fresh: it decides by
 * time, not by PID, so two containers sharing DATA_DIR (each its own PID 1) still exclude each other. A holder that
 * was killed stops refreshing it; a new process takes it over once it is stale, and waits that long for it to be.
 */
export class DataDirLock {
  private static readonly logger = new Logger(DataDirLock.name);

  private constructor(private readonly releaseLock: () => Promise<void>) {}

  static async acquire(dataDir: string): Promise<DataDirLock> {
    await mkdir(dataDir, { recursive: true });
    const path = join(dataDir, 'stowage.lock');
    await DataDirLock.clearLegacyLock(dataDir, path);
    try {
      const release = await lockfile.lock(dataDir, {
        lockfilePath: path,
        stale: STALE_MS,
        update: UPDATE_MS,
        realpath: false,
        // Long enough for the lock of a process killed a moment ago to go stale.
        retries: { retries: Math.ceil((STALE_MS * 1.5) / 1000), factor: 1, minTimeout: 1000, maxTimeout: 1000 },
        // Another process took the lock (ours was not refreshed in time, e.g. a stalled disk): say so loudly. Exiting
        // here would take this instance's requests down with it; the other process refuses to start on a live cluster.
        onCompromised: (error) => DataDirLock.logger.error(`The DATA_DIR lock was lost: ${error.message}`),
      });
      return new DataDirLock(release);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
        throw new Error(
          `DATA_DIR ${dataDir} is in use by another Stowage process (its lock ${dataDir}/stowage.lock is held and kept fresh). ` +
            'Stop it, or give this one its own DATA_DIR.',
          { cause: error },
        );
      }
      throw error;
    }
  }

  /**
   * Earlier versions wrote a pid file at the same path: one whose process is alive (here) still holds the directory;
   * otherwise it is removed, as proper-lockfile's lock is a directory.
   */
  private static async clearLegacyLock(dataDir: string, path: string): Promise<void> {
    if (!(await stat(path).catch(() => undefined))?.isFile()) return;
    const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (holder && holder !== process.pid && isProcessAlive(holder)) {
      throw new Error(
        `DATA_DIR ${dataDir} is in use by another Stowage process (pid ${holder}). Stop it, or give this one its own DATA_DIR.`,
      );
    }
    await rm(path, { force: true });
  }

  async release(): Promise<void> {
    await this.releaseLock().catch(() => undefined);
  }
}
