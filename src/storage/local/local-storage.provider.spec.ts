import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
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

  it('lists objects of the earlier layout too, and leaves out files that are not objects of ours', async () => {
    const legacy = newStorageKey();
    await mkdir(join(root, 'objects', legacy.slice(0, 2), legacy.slice(2, 4)), { recursive: true });
    await writeFile(join(root, 'objects', legacy.slice(0, 2), legacy.slice(2, 4), legacy), 'old layout');
    await writeFile(join(root, 'objects', legacy.slice(0, 2), 'NOTES.txt'), 'not a key');
    await mkdir(join(root, 'objects', 'lost+found'), { recursive: true });
    await writeFile(join(root, 'objects', 'lost+found', newStorageKey()), 'not in a key folder');
    const current = newStorageKey();
    await provider.write(current, Readable.from([Buffer.from('new layout')]));
    const listed: { key: string; size: number }[] = [];
    for await (const page of provider.list()) listed.push(...page.map(({ key, size }) => ({ key, size })));
    expect(listed).toEqual(
      expect.arrayContaining([
        { key: legacy, size: 10 },
        { key: current, size: 10 },
      ]),
    );
    expect(listed.map((o) => o.key).every((key) => /^[a-z0-9]{32}$/.test(key))).toBe(true);
    expect(listed).toHaveLength(2);
  });

  it('lists only temp files idle since the given time, and removes only names it made', async () => {
    const idle = join(root, 'tmp', '00000000-0000-4000-8000-000000000000.part');
    await writeFile(idle, 'left by a crash');
    await utimes(idle, new Date(Date.now() - 7200_000), new Date(Date.now() - 7200_000));
    await writeFile(join(root, 'tmp', '11111111-1111-4111-8111-111111111111.part'), 'being written');
    await writeFile(join(root, 'tmp', 'someone-elses.tmp'), 'not ours');
    const found = [];
    for await (const page of provider.listPartialWrites(new Date(Date.now() - 3600_000))) found.push(...page);
    expect(found.map((p) => p.id)).toEqual(['00000000-0000-4000-8000-000000000000.part']);
    await provider.removePartialWrite(found[0]);
    await expect(provider.removePartialWrite({ id: '../objects/x', lastActivity: new Date() })).rejects.toThrow(/temp file name/);
    expect((await filesUnder(join(root, 'tmp'))).sort()).toEqual(['11111111-1111-4111-8111-111111111111.part', 'someone-elses.tmp']);
  });
});
