import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { newStorageKey } from '../storage-key.js';
import { LocalStorageProvider } from './local-storage.provider.js';
import { canDropFromPageCache } from './page-cache.js';

const MiB = 1024 * 1024;

/** Bytes of `path` in the page cache, as the kernel reports them (util-linux fincore). */
const cachedBytes = (path: string) =>
  Number(execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', path], { encoding: 'utf8' }).trim());

const body = (mib: number) =>
  Readable.from(
    (function* () {
      const chunk = Buffer.alloc(MiB, 7);
      for (let i = 0; i < mib; i++) yield chunk;
    })(),
  );

describe.each(process.platform === 'linux' ? ['linux'] : [])('page cache (%s)', () => {
  let root: string;
  let provider: LocalStorageProvider;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'stowage-page-cache-'));
    provider = new LocalStorageProvider(root);
    await provider.init();
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const pathOf = async (key: string) => {
    const entries = await readdir(join(root, 'objects'), { recursive: true, withFileTypes: true });
    const entry = entries.find((e) => e.isFile() && e.name === key)!;
    return join(entry.parentPath, entry.name);
  };

  it('can be told what to drop: the fadvise binding built and loaded', () => {
    expect(canDropFromPageCache).toBe(true);
  });

  it('keeps a small upload cached and lets a large one go once it is durable', async () => {
    const small = newStorageKey();
    const large = newStorageKey();
    await provider.write(small, body(2));
    await provider.write(large, body(150));

    expect(cachedBytes(await pathOf(small))).toBe(2 * MiB);
    expect(cachedBytes(await pathOf(large))).toBeLessThan(8 * MiB);
  });

  it('drops a large download from the cache behind it, not a small one', async () => {
    const small = newStorageKey();
    const large = newStorageKey();
    await provider.write(small, body(2));
    await provider.write(large, body(200));
    for (const key of [small, large]) for await (const chunk of await provider.read(key)) void chunk;

    expect(cachedBytes(await pathOf(small))).toBe(2 * MiB);
    // What is left is the last stretch read (under 64 MiB) and the kernel's read-ahead, not the 200 MiB.
    expect(cachedBytes(await pathOf(large))).toBeLessThan(100 * MiB);
  });
});
