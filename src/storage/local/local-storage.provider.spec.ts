import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { newStorageKey } from '../storage-key.js';
import { describeStorageContract } from '../storage-provider.contract.js';
import { LocalStorageProvider } from './local-storage.provider.js';

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

async function freshStore() {
  const root = await mkdtemp(join(tmpdir(), 'stowage-local-contract-'));
  const provider = new LocalStorageProvider(root);
  await provider.init();
  return { root, provider };
}

describeStorageContract('local disk', async () => {
  const { root, provider } = await freshStore();
  return {
    provider,
    keys: async () => (await filesUnder(join(root, 'objects'))).map((path) => path.split('/').at(-1)!),
    leftovers: () => filesUnder(join(root, 'tmp')),
    close: () => rm(root, { recursive: true, force: true }),
  };
});

describe('LocalStorageProvider (local only)', () => {
  let root: string;
  let provider: LocalStorageProvider;
  beforeAll(async () => {
    ({ root, provider } = await freshStore());
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('refuses keys that would address a path outside the root, writing nothing anywhere', async () => {
    const outside = join(root, '..', `escaped-${Date.now()}`);
    for (const key of ['../escaped', '..', '/etc/passwd', `../../${outside}`, 'ab/../../cd']) {
      await expect(provider.write(key, Readable.from([Buffer.from('x')]))).rejects.toThrow(/storage key/);
      await expect(provider.read(key)).rejects.toThrow(/storage key/);
      await expect(provider.delete(key)).rejects.toThrow(/storage key/);
    }
    expect(existsSync(outside)).toBe(false);
    expect(await filesUnder(root)).toEqual([]);
  });

  it('removes its temp file when the body fails', async () => {
    const key = newStorageKey();
    const body = new Readable({
      read() {
        this.push(Buffer.alloc(64 * 1024));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(provider.write(key, body)).rejects.toThrow('client went away');
    expect(await filesUnder(join(root, 'tmp'))).toEqual([]);
    expect(await provider.stat(key)).toBeNull();
  });
});
