import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A full disk needs a small filesystem: mounting a tmpfs takes root, and only the local driver writes to it. */
export const canMountSmallDisk = process.getuid?.() === 0 && (process.env.TEST_STORAGE_DRIVER ?? 'local') === 'local';

export interface SmallDisk {
  /** A DATA_DIR whose `files/` (the local provider's root) is the small filesystem. */
  dataDir: string;
  filesDir: string;
  remove(): Promise<void>;
}

/** A DATA_DIR whose storage folder is a tmpfs of `size` (mount's syntax: `4m`, `256k`), a real disk that fills. */
export async function mountSmallDisk(size: string): Promise<SmallDisk> {
  const dataDir = await mkdtemp(join(tmpdir(), 'stowage-full-'));
  const filesDir = join(dataDir, 'files');
  await mkdir(filesDir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', filesDir]);
  return {
    dataDir,
    filesDir,
    async remove() {
      try {
        execFileSync('umount', [filesDir]);
      } catch {
        // already gone
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
