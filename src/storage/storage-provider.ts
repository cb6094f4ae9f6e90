import type { Readable } from 'node:stream';

/** What a completed write reports: counted and hashed while the bytes streamed through. */
export interface StoredObject {
  size: number;
  sha256: string;
  md5: string;
}

/** Inclusive byte offsets, as in HTTP `Range`. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface WriteOptions {
  /** The write fails with PAYLOAD_TOO_LARGE (and leaves nothing behind) once the body passes this. */
  maxBytes?: number;
  /** Told the size of every chunk as it streams in (metrics of bytes received). */
  onBytes?: (bytes: number) => void;
}

/** Response headers a presigned download URL makes the object store send. */
export interface PresignOptions {
  contentType?: string;
  contentDisposition?: string;
}

/**
 * Where file bytes live. The abstract class is the injection token; `StorageModule` picks the implementation.
 * Keys are made by the server (see `newStorageKey`), never from user input.
 */
export abstract class StorageProvider {
  /**
   * Streams `body` to `key`. Resolves only once the object is complete and durable; on any failure (client abort,
   * size limit, disk full) it rejects and nothing is left at `key` or anywhere else.
   */
  abstract write(key: string, body: Readable, options?: WriteOptions): Promise<StoredObject>;

  /** A stream of the object's bytes, or of one range of them. Rejects with a not-found error for a missing key. */
  abstract read(key: string, range?: ByteRange): Promise<Readable>;

  /** Removes the object; a missing key is not an error. */
  abstract delete(key: string): Promise<void>;

  /** The object's size, or null when there is no such key. */
  abstract stat(key: string): Promise<{ size: number } | null>;

  /**
   * Optional: a short-lived URL that downloads the object straight from the store. Only providers that can sign
   * URLs (S3) implement it; callers check permissions first and fall back to `read` when it is absent.
   */
  presignedUrl?(key: string, ttlSeconds: number, options?: PresignOptions): Promise<string>;
}
