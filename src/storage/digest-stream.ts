import { createHash, Hash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { StoredObject } from './storage-provider.js';

/** Passes bytes through while counting them, hashing them (sha256 + md5) and enforcing a size limit. */
export class DigestStream extends Transform {
  private readonly sha256: Hash = createHash('sha256');
  private readonly md5: Hash = createHash('md5');
  // Not called `size`: an SDK that finds `Body.size` takes it for the body's total length.
  private bytesSeen = 0;

  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytesSeen += chunk.length;
    if (this.bytesSeen > this.maxBytes) {
      callback(new DomainError(ErrorCode.PayloadTooLarge, `The file is larger than the limit of ${this.maxBytes} bytes.`));
      return;
    }
    this.sha256.update(chunk);
    this.md5.update(chunk);
    callback(null, chunk);
  }

  /** Call once the stream has finished. */
  result(): StoredObject {
    return { size: this.bytesSeen, sha256: this.sha256.digest('hex'), md5: this.md5.digest('hex') };
  }
}
