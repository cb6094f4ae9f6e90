import { createHash, Hash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ParallelDigest } from './parallel-digest.js';
import { StoredObject } from './storage-provider.js';

/** Counts and hashes (sha256 + md5) bytes fed to it in order, enforcing a size limit. */
export class Digest {
  private readonly sha256: Hash = createHash('sha256');
  private readonly md5: Hash = createHash('md5');
  private bytesSeen = 0;

  constructor(
    private readonly maxBytes = Number.POSITIVE_INFINITY,
    private readonly onBytes?: (bytes: number) => void,
  ) {}

  /** Throws PAYLOAD_TOO_LARGE once the bytes seen pass the limit. */
  update(chunk: Buffer): void {
    this.bytesSeen += chunk.length;
    this.onBytes?.(chunk.length);
    if (this.bytesSeen > this.maxBytes)
      throw new DomainError(ErrorCode.PayloadTooLarge, `The file is larger than the limit of ${this.maxBytes} bytes.`);
    this.sha256.update(chunk);
    this.md5.update(chunk);
  }

  /** Call once, after the last chunk. */
  result(): StoredObject {
    return { size: this.bytesSeen, sha256: this.sha256.digest('hex'), md5: this.md5.digest('hex') };
  }
}

/**
 * A `ParallelDigest` as a pass-through stream, for sinks that take a stream (S3): a chunk passes on at once, and the
 * stream asks for more only once the hash workers have room (their ring is its backpressure).
 */
export class DigestStream extends Transform {
  // Nothing here may be called `size`: an SDK that finds `Body.size` takes it for the body's total length.
  private readonly digest: ParallelDigest;

  constructor(maxBytes?: number, onBytes?: (bytes: number) => void) {
    super();
    this.digest = new ParallelDigest({ maxBytes, onBytes });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let waiting: Promise<void> | undefined;
    try {
      waiting = this.digest.update(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    this.push(chunk);
    if (waiting) waiting.then(() => callback(), callback);
    else callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // autoDestroy runs after a normal end too, before the caller asks for result().
    if (error || !this.writableFinished) this.digest.dispose();
    callback(error);
  }

  /** Call once the stream has finished. */
  result(): Promise<StoredObject> {
    return this.digest.result();
  }
}
