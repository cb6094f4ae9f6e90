import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { LocalStorageProvider } from './local-storage.provider.js';

// The provider remembers which object folders it made (one mkdir saved per upload): it must still cope with a
// folder that disappeared behind its back.
describe('LocalStorageProvider object folders', () => {
  let root: string;
  let provider: LocalStorageProvider;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'stowage-local-folders-'));
    provider = new LocalStorageProvider(root);
    await provider.init();
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes into a folder it made before, and makes it again when it was removed', async () => {
    await provider.write('abcd0001', Readable.from([Buffer.from('first')]));
    await provider.write('abcd0002', Readable.from([Buffer.from('second')]));
    expect(await readFile(join(root, 'objects', 'ab', 'abcd0002'), 'utf8')).toBe('second');

    await rm(join(root, 'objects', 'ab'), { recursive: true });
    const stored = await provider.write('abcd0003', Readable.from([Buffer.from('third')]));
    expect(stored.size).toBe(5);
    expect(await text(await provider.read('abcd0003'))).toBe('third');
    await expect(provider.read('abcd0001')).rejects.toThrow(/missing/);
  });

  it('still finds, measures and deletes objects stored in the first layout (objects/ab/cd/<key>)', async () => {
    const legacyDir = join(root, 'objects', 'ef', '01');
    await mkdir(legacyDir, { recursive: true });
    await writeFile(join(legacyDir, 'ef01legacy'), 'stored by 0.1');

    expect(await provider.stat('ef01legacy')).toEqual({ size: 13 });
    expect(await text(await provider.read('ef01legacy', { start: 10, end: 12 }))).toBe('0.1');
    await provider.delete('ef01legacy');
    expect(await provider.stat('ef01legacy')).toBeNull();
    await expect(provider.read('ef01legacy')).rejects.toThrow(/missing/);
  });
});
