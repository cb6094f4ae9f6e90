import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A pid file that keeps a second Stowage process from opening the same DATA_DIR. */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static async acquire(dataDir: string): Promise<DataDirLock> {
    await mkdir(dataDir, { recursive: true });
    const path = join(dataDir, 'stowage.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(path, 'wx');
        await handle.writeFile(String(process.pid));
        await handle.close();
        return new DataDirLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
        if (holder && holder !== process.pid && isProcessAlive(holder)) {
          throw new Error(
            `DATA_DIR ${dataDir} is in use by another Stowage process (pid ${holder}). Stop it, or give this one its own DATA_DIR.`,
            { cause: error },
          );
        }
        await rm(path, { force: true }); // left behind by a process that died
      }
    }
    throw new Error(`Could not lock DATA_DIR ${dataDir}`);
  }

  async release(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
