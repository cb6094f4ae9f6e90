import { describe, expect, it } from '@jest/globals';
import { DataStore, Upload } from '@tus/server';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Principal } from '../../auth/principal.js';
import { StoredObject } from '../../storage/storage-provider.js';
import { StowageTusStore } from './stowage-tus-store.js';
import { TusBackend } from './tus-backend.js';
import { TusRequestContext, tusRequests } from './tus-request-context.js';
import { TusUpload } from './tus-upload.js';
import { TusUploadsService } from './tus-uploads.service.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** An in-memory tus store: bytes appended at the offset; `failAfter` makes the next write fail once it took that many. */
class MemoryStore extends DataStore {
  bytes = Buffer.alloc(0);
  failAfter?: number;

  override async write(stream: Readable, _id: string, offset: number): Promise<number> {
    expect(offset).toBe(this.bytes.length);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      this.bytes = Buffer.concat([this.bytes, chunk]);
      if (this.failAfter !== undefined && this.bytes.length - offset >= this.failAfter) {
        this.failAfter = undefined;
        stream.destroy();
        throw new Error('disk gone');
      }
    }
    return this.bytes.length;
  }

  override getUpload(id: string): Promise<Upload> {
    return Promise.resolve(new Upload({ id, size: 0, offset: this.bytes.length }));
  }
}

class FakeBackend extends TusBackend {
  readonly store = new MemoryStore();
  syncs = 0;
  sync(): Promise<void> {
    this.syncs++;
    return Promise.resolve();
  }
  async assemble(): Promise<void> {}
  async discardIncoming(): Promise<void> {}
  async cleanUp(): Promise<void> {}
}

/** Records what the store hands over at completion: the digest it kept, or none (meaning: read the object back). */
class FakeUploads {
  completed: (StoredObject | undefined)[] = [];
  constructor(readonly upload: TusUpload) {}
  find(): Promise<TusUpload> {
    return Promise.resolve(this.upload);
  }
  complete(_request: TusRequestContext, _upload: TusUpload, digest?: StoredObject): Promise<string> {
    this.completed.push(digest);
    return Promise.resolve('file-1');
  }
  isAssembled(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

function setUp(size: number) {
  const backend = new FakeBackend();
  const uploads = new FakeUploads({
    id: 'a'.repeat(32),
    ownerId: 'u1',
    filename: 'f',
    contentType: 'application/octet-stream',
    size,
    metadata: {},
    fileId: null,
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 60_000),
  });
  const store = new StowageTusStore(backend, uploads as unknown as TusUploadsService, 60_000);
  const request: TusRequestContext = { principal: new Principal('u1', 'someone', ['editor']) };
  const write = (bytes: Buffer, offset: number) =>
    tusRequests.run(request, () => store.write(Readable.from([bytes]), 'a'.repeat(32), offset));
  return { backend, uploads, store, request, write };
}

describe('StowageTusStore: the digest of a finished upload', () => {
  it('hashes the bytes on their way in, over several PATCHes, and hands that digest over', async () => {
    const bytes = randomBytes(3000);
    const { uploads, request, write, backend } = setUp(bytes.length);
    expect(await write(bytes.subarray(0, 1000), 0)).toBe(1000);
    expect(await write(bytes.subarray(1000, 2500), 1000)).toBe(2500);
    expect(uploads.completed).toEqual([]);
    expect(await write(bytes.subarray(2500), 2500)).toBe(3000);
    expect(uploads.completed).toEqual([{ size: 3000, sha256: sha256(bytes), md5: createHash('md5').update(bytes).digest('hex') }]);
    expect(request.fileId).toBe('file-1');
    expect(backend.syncs).toBe(3);
  });

  it('hands no digest over for an upload it did not see from byte 0 (a restart, another instance): the object is read back', async () => {
    const bytes = randomBytes(2000);
    const { uploads, backend, write } = setUp(bytes.length);
    backend.store.bytes = bytes.subarray(0, 1200);
    await write(bytes.subarray(1200), 1200);
    expect(uploads.completed).toEqual([undefined]);
  });

  it('drops its digest when a write fails, since the store kept bytes the digest cannot vouch for', async () => {
    const bytes = randomBytes(4000);
    const { uploads, backend, write } = setUp(bytes.length);
    backend.store.failAfter = 1000;
    await expect(write(bytes.subarray(0, 3000), 0)).rejects.toThrow('disk gone');
    expect(backend.syncs).toBe(1);
    const stored = backend.store.bytes.length;
    await write(bytes.subarray(stored), stored);
    expect(uploads.completed).toEqual([undefined]);
  });
});
