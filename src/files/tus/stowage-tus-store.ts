import { Logger } from '@nestjs/common';
import { DataStore, Upload } from '@tus/server';
import { pipeline, Readable, Transform, TransformCallback } from 'node:stream';
import { MetricsService } from '../../metrics/metrics.service.js';
import { Digest } from '../../storage/digest-stream.js';
import { ParallelDigest } from '../../storage/parallel-digest.js';
import { StoredObject } from '../../storage/storage-provider.js';
import { TusBackend } from './tus-backend.js';
import { tusUploadNotFound } from './tus-errors.js';
import { currentTusRequest, tusRequests } from './tus-request-context.js';
import { TusUpload } from './tus-upload.js';
import { TusUploadsService } from './tus-uploads.service.js';

/** sha256 + md5 of an upload's bytes from 0 to `offset`, as they went into the store on this instance. */
interface RunningDigest {
  digest: ParallelDigest;
  offset: number;
  touchedAt: number;
}

/** Running digests kept at most: one per upload in progress on this instance, abandoned ones dropped first. */
const MAX_RUNNING_DIGESTS = 10_000;

/**
 * The DataStore @tus/server talks to: the driver's tus store (file or S3) behind Stowage's rules. Uploads are rows in
 * tus_uploads (ownership, name, size, expiry), offsets are durable before they are reported, and the PATCH (or HEAD)
 * that finds the last byte in turns the upload into a file before it answers.
 *
 * Hashing: bytes are hashed on their way into the store while an upload continues where this instance last left it;
 * that digest is a cache, never state. An upload resumed after a restart, on another instance or after a failed
 * write is hashed by reading the assembled object back instead. Either way the digest covers exactly the stored bytes.
 */
export class StowageTusStore extends DataStore {
  private readonly logger = new Logger(StowageTusStore.name);
  private readonly digests = new Map<string, RunningDigest>();

  constructor(
    private readonly backend: TusBackend,
    private readonly uploads: TusUploadsService,
    private readonly expiryMs: number,
    private readonly metrics: MetricsService,
  ) {
    super();
    // No creation-defer-length: Upload-Length is needed up front, for the size limit and for quotas. No checksum
    // and no concatenation: neither store implements them.
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration'];
  }

  override getExpiration(): number {
    return this.expiryMs;
  }

  override async create(upload: Upload): Promise<Upload> {
    const request = currentTusRequest();
    const row = await this.uploads.record(request, upload.id, upload.metadata ?? {});
    let created: Upload;
    try {
      created = await this.backend.store.create(upload);
    } catch (error) {
      await this.uploads
        .discard(row)
        .catch((e: Error) => this.logger.error(`Could not remove upload ${upload.id}, which failed to start: ${e.message}`));
      throw error;
    }
    if (row.size === 0) request.fileId = await this.uploads.complete(request, row, new Digest().result());
    return created;
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    const request = currentTusRequest();
    const row = await this.find(id);
    if (row.fileId) {
      // Complete already (tus let a PATCH at the final offset through: it has an empty body).
      stream.resume();
      request.fileId = row.fileId;
      return row.size;
    }
    const running = this.runningDigest(id, offset);
    const countBytes = this.metrics.uploadByteCounter;
    const body =
      running || countBytes
        ? observed(stream, (chunk) => {
            countBytes?.(chunk.length);
            if (!running) return undefined;
            running.offset += chunk.length;
            return running.digest.update(chunk);
          })
        : stream;
    let newOffset: number;
    try {
      newOffset = await this.metrics.measureUpload(() => this.backend.store.write(body, id, offset));
    } catch (error) {
      this.forget(id);
      throw error;
    } finally {
      // After a failure too: whatever reached the store is what the next HEAD reports.
      await this.backend.sync(id);
    }
    if (running?.offset !== newOffset) this.forget(id);
    if (newOffset === row.size) request.fileId = await this.uploads.complete(request, row, await this.finishedDigest(id, row.size));
    return newOffset;
  }

  override async getUpload(id: string): Promise<Upload> {
    const request = tusRequests.getStore();
    const row = await this.find(id);
    if (row.fileId) {
      if (request) request.fileId = row.fileId;
      return asComplete(row);
    }
    await this.backend.sync(id);
    let upload: Upload;
    try {
      upload = await this.backend.store.getUpload(id);
    } catch (error) {
      // The store no longer has it as an upload, but it may already be the object (a completion cut short).
      if (!(await this.uploads.isAssembled(row))) throw error;
      upload = asComplete(row);
    }
    if (upload.offset === row.size && request)
      request.fileId = await this.uploads.complete(request, row, await this.finishedDigest(id, row.size));
    return upload;
  }

  override async remove(id: string): Promise<void> {
    this.forget(id);
    await this.uploads.discard(await this.find(id), 'terminated');
  }

  private async find(id: string): Promise<TusUpload> {
    const row = await this.uploads.find(id);
    if (!row) throw tusUploadNotFound();
    return row;
  }

  /** A digest to continue from `offset`: the one this instance kept, or a new one from byte 0; else none. */
  private runningDigest(id: string, offset: number): RunningDigest | undefined {
    const kept = this.digests.get(id);
    if (kept && kept.offset === offset) {
      kept.touchedAt = Date.now();
      return kept;
    }
    this.forget(id);
    if (offset !== 0) return undefined;
    this.forgetAbandoned();
    const running = { digest: new ParallelDigest(), offset: 0, touchedAt: Date.now() };
    this.digests.set(id, running);
    return running;
  }

  /** The digest of all `size` bytes, if this instance saw every one of them go in (else the object is read back). */
  private async finishedDigest(id: string, size: number): Promise<StoredObject | undefined> {
    const running = this.digests.get(id);
    this.digests.delete(id);
    if (running?.offset !== size) {
      running?.digest.dispose();
      return undefined;
    }
    return running.digest.result().catch((error: Error) => {
      this.logger.warn(`Upload ${id}: the running digest failed (${error.message}); reading the object back`);
      return undefined;
    });
  }

  /** Drops a running digest, freeing its hash workers' share. */
  private forget(id: string): void {
    this.digests.get(id)?.digest.dispose();
    this.digests.delete(id);
  }

  private forgetAbandoned(): void {
    const cutoff = Date.now() - this.expiryMs;
    for (const [id, running] of this.digests) if (running.touchedAt < cutoff) this.forget(id);
    while (this.digests.size >= MAX_RUNNING_DIGESTS) this.forget(this.digests.keys().next().value!);
  }
}

/** The upload as a finished one: every byte in. */
function asComplete(row: TusUpload): Upload {
  return new Upload({ id: row.id, size: row.size, offset: row.size, metadata: row.metadata, creation_date: row.createdAt.toISOString() });
}

/** The body, each chunk shown to `see` (the running digest, the byte counter) on its way to the store. */
function observed(stream: Readable, see: (chunk: Buffer) => Promise<void> | undefined): Readable {
  const through = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      // A promise: the hash workers are full; the chunk goes on now, the next one is asked for once they have room.
      let waiting: Promise<void> | undefined;
      try {
        waiting = see(chunk);
      } catch (error) {
        callback(error as Error);
        return;
      }
      this.push(chunk);
      if (waiting) waiting.then(() => callback(), callback);
      else callback();
    },
  });
  // pipeline, not pipe: an error of the body (size limit, client gone) must reach the store through `through`.
  pipeline(stream, through, () => undefined);
  return through;
}
