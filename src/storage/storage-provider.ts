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

/** One complete object, as a listing reports it. */
export interface ListedObject {
  key: string;
  /** When the object was last written (S3: for a multipart upload, when that upload was started). */
  lastModified: Date;
  size: number;
}

/**
 * A write that never finished (a temp file, an incomplete multipart upload), e.g. of a process killed mid-upload.
 * Only the provider that listed it understands `id`.
 */
export interface PartialWrite {
  id: string;
  /** The storage key it was writing to, when the store records one (S3). */
  key?: string;
  /** The last sign of progress seen: a byte written, a part uploaded. */
  lastActivity: Date;
}

export interface ListOptions {
  /** Only keys that start with this. */
  prefix?: string;
  /** Most entries per page (default 1000, S3's own page size). */
  pageSize?: number;
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

  /** Resolves when the store can be reached (readiness); rejects with the reason when it cannot. */
  abstract ping(): Promise<void>;

  /** Removes the object; a missing key is not an error. */
  abstract delete(key: string): Promise<void>;

  /** The object's size, or null when there is no such key. */
  abstract stat(key: string): Promise<{ size: number } | null>;

  /**
   * Every complete object, a page at a time, in no particular order. Lazy: the next page is fetched only when asked
   * for, so a caller that checks page by page never holds the whole store. Objects written or deleted meanwhile
   * may or may not appear.
   */
  abstract list(options?: ListOptions): AsyncIterable<ListedObject[]>;

  /** Writes that started but neither finished nor were cleaned up, with no activity since `idleSince`; paged. */
  abstract listPartialWrites(idleSince: Date, options?: Pick<ListOptions, 'pageSize'>): AsyncIterable<PartialWrite[]>;

  /** Drops a partial write and whatever it stored; one already gone is not an error. A write still going then fails. */
  abstract removePartialWrite(partial: PartialWrite): Promise<void>;

  /**
   * Optional: a short-lived URL that downloads the object straight from the store. Only providers that can sign
   * URLs (S3) implement it; callers check permissions first and fall back to `read` when it is absent.
   */
  presignedUrl?(key: string, ttlSeconds: number, options?: PresignOptions): Promise<string>;
}
