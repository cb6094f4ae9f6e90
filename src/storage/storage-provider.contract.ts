import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { newStorageKey } from './storage-key.js';
import { ListedObject, StorageProvider, StoredObject } from './storage-provider.js';

const MiB = 1024 * 1024;

/** One provider on a fresh, empty store, plus ways to look inside that store without going through the provider. */
export interface StorageUnderTest {
  provider: StorageProvider;
  /** Keys of every complete object in the store. */
  keys(): Promise<string[]>;
  /** Anything a write left besides complete objects: temp files, multipart uploads and their parts. */
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

/** `size` bytes made on the fly (never held whole), hashed as they go out; optionally failing after `failAfter`. */
function generated(size: number, failAfter?: number): { stream: Readable; expected: () => StoredObject } {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (failAfter !== undefined && sent >= failAfter) {
        this.destroy(new Error('client went away'));
        return;
      }
      if (sent >= size) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(MiB, size - sent));
      sent += chunk.length;
      sha256.update(chunk);
      md5.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, expected: () => ({ size: sent, sha256: sha256.digest('hex'), md5: md5.digest('hex') }) };
}

function hashOf(data: Buffer): StoredObject {
  return {
    size: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    md5: createHash('md5').update(data).digest('hex'),
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function hashStream(stream: Readable): Promise<StoredObject> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    sha256.update(chunk as Buffer);
    md5.update(chunk as Buffer);
  }
  return { size, sha256: sha256.digest('hex'), md5: md5.digest('hex') };
}

async function collect<T>(pages: AsyncIterable<T[]>): Promise<{ pages: T[][]; all: T[] }> {
  const all: T[][] = [];
  for await (const page of pages) all.push(page);
  return { pages: all, all: all.flat() };
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; !(await condition());) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function expectDomainError(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
}

/**
 * The behaviour every `StorageProvider` promises, as one suite. Each provider's spec calls this with a factory for
 * a fresh store, then adds the cases that only make sense for that provider.
 */
export function describeStorageContract(name: string, setup: () => Promise<StorageUnderTest>): void {
  describe(`StorageProvider contract: ${name}`, () => {
    let store: StorageUnderTest;
    let provider: StorageProvider;
    beforeAll(async () => {
      store = await setup();
      provider = store.provider;
    });
    afterAll(async () => {
      await store?.close();
    });

    it('round-trips bytes and reports their size, sha256 and md5', async () => {
      const data = randomBytes(300_000);
      const key = newStorageKey();
      const stored = await provider.write(key, Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
      expect(stored).toEqual(hashOf(data));
      expect((await readAll(await provider.read(key))).equals(data)).toBe(true);
      expect(await provider.stat(key)).toEqual({ size: data.length });
      expect(await store.keys()).toContain(key);
    });

    it('stores an empty object', async () => {
      const key = newStorageKey();
      expect(await provider.write(key, Readable.from([]))).toEqual(hashOf(Buffer.alloc(0)));
      expect(await provider.stat(key)).toEqual({ size: 0 });
      expect((await readAll(await provider.read(key))).length).toBe(0);
    });

    it('reads inclusive byte ranges', async () => {
      const data = randomBytes(10_000);
      const key = newStorageKey();
      await provider.write(key, Readable.from([data]));
      // Not `0-0`: s3rver treats an end of 0 as "to the end" (docs/storage.md); AWS S3 and MinIO do not.
      expect((await readAll(await provider.read(key, { start: 0, end: 1 }))).equals(data.subarray(0, 2))).toBe(true);
      expect((await readAll(await provider.read(key, { start: 100, end: 199 }))).equals(data.subarray(100, 200))).toBe(true);
      expect((await readAll(await provider.read(key, { start: 9_990, end: 9_999 }))).equals(data.subarray(9_990))).toBe(true);
    });

    it('answers a missing key with NOT_FOUND on read, null on stat, and success on delete', async () => {
      const key = newStorageKey();
      await expectDomainError(provider.read(key), ErrorCode.NotFound);
      await expectDomainError(provider.read(key, { start: 0, end: 10 }), ErrorCode.NotFound);
      expect(await provider.stat(key)).toBeNull();
      await expect(provider.delete(key)).resolves.toBeUndefined();
    });

    it('deletes an object, and deleting it again is not an error', async () => {
      const key = newStorageKey();
      await provider.write(key, Readable.from([randomBytes(1000)]));
      await provider.delete(key);
      expect(await provider.stat(key)).toBeNull();
      await expectDomainError(provider.read(key), ErrorCode.NotFound);
      expect(await store.keys()).not.toContain(key);
      await expect(provider.delete(key)).resolves.toBeUndefined();
    });

    it('refuses a malformed key', async () => {
      await expect(provider.write('../../etc/passwd', Readable.from([Buffer.from('x')]))).rejects.toThrow(/malformed storage key/);
      await expect(provider.read('a/b')).rejects.toThrow(/malformed storage key/);
    });

    it('leaves nothing behind when the body fails early (before a full part)', async () => {
      const key = newStorageKey();
      const { stream } = generated(4 * MiB, 1 * MiB);
      await expect(provider.write(key, stream)).rejects.toThrow('client went away');
      expect(await provider.stat(key)).toBeNull();
      expect(await store.keys()).not.toContain(key);
      expect(await store.leftovers()).toEqual([]);
    });

    it('fails cleanly when the body fails before the provider reads a byte (a multipart part refused early)', async () => {
      const key = newStorageKey();
      const body = new PassThrough();
      const write = provider.write(key, body);
      body.destroy(new Error('second file part')); // at once: before any await inside write()
      await expect(write).rejects.toThrow('second file part');
      expect(await provider.stat(key)).toBeNull();
      expect(await store.leftovers()).toEqual([]);
    });

    it('leaves nothing behind when the body fails mid-stream (after several parts)', async () => {
      const key = newStorageKey();
      const { stream } = generated(64 * MiB, 20 * MiB);
      await expect(provider.write(key, stream)).rejects.toThrow('client went away');
      expect(await provider.stat(key)).toBeNull();
      expect(await store.keys()).not.toContain(key);
      expect(await store.leftovers()).toEqual([]);
    }, 120_000);

    it('enforces maxBytes with PAYLOAD_TOO_LARGE and leaves nothing behind; the exact limit is accepted', async () => {
      const key = newStorageKey();
      await expectDomainError(provider.write(key, generated(20 * MiB).stream, { maxBytes: 12 * MiB }), ErrorCode.PayloadTooLarge);
      expect(await provider.stat(key)).toBeNull();
      expect(await store.keys()).not.toContain(key);
      expect(await store.leftovers()).toEqual([]);

      const exact = newStorageKey();
      const { stream, expected } = generated(1000);
      expect(await provider.write(exact, stream, { maxBytes: 1000 })).toEqual(expected());
    }, 120_000);

    it('keeps concurrent writes apart', async () => {
      const bodies = [0, 1, 2, 3, 4, 5].map((i) => randomBytes(50_000 + i * 2 * MiB));
      const keys = bodies.map(() => newStorageKey());
      const results = await Promise.all(bodies.map((body, i) => provider.write(keys[i], Readable.from([body]))));
      results.forEach((result, i) => expect(result).toEqual(hashOf(bodies[i])));
      const read = await Promise.all(keys.map(async (key) => readAll(await provider.read(key))));
      read.forEach((data, i) => expect(data.equals(bodies[i])).toBe(true));
    }, 120_000);

    it('lists every object in pages of at most pageSize, with size and time, and by prefix', async () => {
      const before = Date.now();
      const written = new Map<string, number>();
      for (let i = 0; i < 5; i++) {
        const key = newStorageKey();
        await provider.write(key, Readable.from([randomBytes(100 + i)]));
        written.set(key, 100 + i);
      }
      const { pages, all } = await collect(provider.list({ pageSize: 2 }));
      expect(pages.length).toBeGreaterThanOrEqual(3);
      for (const page of pages) expect(page.length).toBeGreaterThanOrEqual(1);
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(2);
      expect(new Set(all.map((o) => o.key)).size).toBe(all.length);
      expect(all.map((o) => o.key).sort()).toEqual((await store.keys()).sort());
      for (const [key, size] of written) {
        const listed = all.find((o) => o.key === key) as ListedObject;
        expect(listed.size).toBe(size);
        // Clocks of the test and of the store may differ a little (s3rver keeps whole seconds).
        expect(listed.lastModified.getTime()).toBeGreaterThan(before - 60_000);
        expect(listed.lastModified.getTime()).toBeLessThan(Date.now() + 60_000);
      }
      const [oneKey] = written.keys();
      const byPrefix = (await collect(provider.list({ prefix: oneKey.slice(0, 3) }))).all;
      expect(byPrefix.map((o) => o.key)).toContain(oneKey);
      for (const object of byPrefix) expect(object.key.startsWith(oneKey.slice(0, 3))).toBe(true);
      expect((await collect(provider.list({ prefix: oneKey }))).all.map((o) => o.key)).toEqual([oneKey]);
    });

    it('lists a write in progress as a partial write only once it is idle, and removing it fails the write cleanly', async () => {
      const key = newStorageKey();
      const body = new PassThrough();
      const write = provider.write(key, body);
      const failed = write.then(
        () => undefined,
        (error: unknown) => error,
      );
      // More than one S3 part (5 MiB), so that S3 holds an incomplete multipart upload.
      body.write(randomBytes(6 * MiB));
      await until(async () => (await store.leftovers()).length > 0, 'the write to leave a trace');

      expect((await collect(provider.listPartialWrites(new Date(Date.now() - 60_000)))).all).toEqual([]);
      const idle = (await collect(provider.listPartialWrites(new Date(Date.now() + 60_000), { pageSize: 1 }))).all;
      expect(idle).toHaveLength(1);
      const partial = idle[0];
      if (partial.key !== undefined) expect(partial.key).toBe(key);

      await provider.removePartialWrite(partial);
      await provider.removePartialWrite(partial); // already gone: not an error
      body.destroy(new Error('client went away'));
      expect(await failed).toBeInstanceOf(Error);
      expect(await provider.stat(key)).toBeNull();
      expect(await store.leftovers()).toEqual([]);
      expect((await collect(provider.listPartialWrites(new Date(Date.now() + 60_000)))).all).toEqual([]);
    }, 60_000);

    it('streams a large object (64 MiB) in and out without holding it', async () => {
      const key = newStorageKey();
      const { stream, expected } = generated(64 * MiB);
      const stored = await provider.write(key, stream);
      expect(stored).toEqual(expected());
      expect(await provider.stat(key)).toEqual({ size: 64 * MiB });
      expect(await hashStream(await provider.read(key))).toEqual(stored);
      const tail = await readAll(await provider.read(key, { start: 64 * MiB - 10, end: 64 * MiB - 1 }));
      expect(tail.length).toBe(10);
      await provider.delete(key);
      expect(await store.leftovers()).toEqual([]);
    }, 180_000);
  });
}
