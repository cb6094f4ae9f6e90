import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  S3Client,
  S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Logger } from '@nestjs/common';
import { Readable, pipeline } from 'node:stream';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import type { S3Settings } from '../../config/app-config.js';
import { DigestStream } from '../digest-stream.js';
import { assertStorageKey } from '../storage-key.js';
import {
  ByteRange,
  ListedObject,
  ListOptions,
  PartialWrite,
  PresignOptions,
  StorageProvider,
  StoredObject,
  WriteOptions,
} from '../storage-provider.js';
import { MultipartUpload } from './multipart-upload.js';
import { PartBufferPool } from './part-buffer-pool.js';

const MiB = 1024 * 1024;
/**
 * Parts in flight per upload. An upload holds (QUEUE_SIZE + 1) part buffers whatever the file size, and the provider
 * keeps that many for reuse: 15 MiB at S3's minimum part size. Two in flight overlap S3's per-request latency; a third
 * gained nothing measurable (docs/performance-profile.md).
 */
const QUEUE_SIZE = 2;
const MIN_PART_SIZE = 5 * MiB;
/** S3 allows 10,000 parts; keep a margin so the part size always covers maxBytes. */
const MAX_PARTS = 9_000;

const S3_MAX_SOCKETS = 256;
/** S3's own most per listing request. */
const MAX_PAGE_SIZE = 1000;

/** S3 answers a missing key with NoSuchKey (GET) or a bare 404 NotFound (HEAD). */
function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/** An abort of a multipart upload that is already gone (aborted, completed) has nothing left to do. */
function isUploadGone(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchUpload' || e?.$metadata?.httpStatusCode === 404;
}

// Failures that say the object store itself is away (endpoint gone, refusing, overloaded), not a bad request.
const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ECONNABORTED',
]);
const UNAVAILABLE_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'ServiceUnavailable', 'SlowDown', 'InternalError']);

const NETWORK_MESSAGE = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|socket hang up)\b/;

/** The SDK wraps some connection errors ("AWS SDK error wrapper for Error: connect ECONNREFUSED"): causes count too. */
function isStoreUnavailable(error: unknown, depth = 0): boolean {
  const e = error as
    { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; $metadata?: { httpStatusCode?: number } } | undefined;
  if (!e || typeof e !== 'object' || error instanceof DomainError) return false;
  const status = e.$metadata?.httpStatusCode;
  return (
    (typeof e.code === 'string' && NETWORK_ERRNOS.has(e.code)) ||
    (typeof e.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) ||
    (typeof e.message === 'string' && NETWORK_MESSAGE.test(e.message)) ||
    (status !== undefined && status >= 500) ||
    (depth < 3 && isStoreUnavailable(e.cause, depth + 1))
  );
}

/**
 * The SDK's connection errors carry errnos the error filter would take for the database's: they become
 * STORAGE_UNAVAILABLE here, where it is known they came from S3.
 */
function storageError(error: unknown): unknown {
  if (!isStoreUnavailable(error)) return error;
  const e = error as { name?: string; code?: string; message?: string };
  return Object.assign(
    new DomainError(ErrorCode.StorageUnavailable, 'The object store is unavailable; try again shortly.', { 'Retry-After': '5' }),
    { cause: error, detail: `${e.name ?? 'Error'} ${e.code ?? ''} ${e.message ?? ''}`.trim() },
  );
}

/** Builds the client for S3-compatible servers (MinIO, Ceph RGW, s3rver) as well as AWS. */
export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client(s3ClientConfig(settings));
}

/** The client settings every S3 client of Stowage uses (the provider's, and the tus store's). */
export function s3ClientConfig(settings: S3Settings): S3ClientConfig {
  return {
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials:
      settings.accessKeyId && settings.secretAccessKey
        ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
        : undefined,
    // Every download in flight holds one socket for as long as its client reads: the SDK's default of 50 per
    // process would queue the 51st request (even a HEAD) behind slow clients. No socket idle timeout, for the same
    // reason (a paused download is idle); connecting must be quick, though.
    requestHandler: {
      connectionTimeout: 5_000,
      httpAgent: { keepAlive: true, maxSockets: S3_MAX_SOCKETS },
      httpsAgent: { keepAlive: true, maxSockets: S3_MAX_SOCKETS },
    },
    // Newer SDKs add CRC32 checksums to every request by default; many S3-compatible servers reject or mangle them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

/**
 * Objects in one S3 bucket, under their storage key. Uploads stream through a `DigestStream` into a multipart upload
 * (a single PUT for small bodies, see `MultipartUpload`); a failed upload is aborted so no object and no parts remain.
 */
export class S3StorageProvider extends StorageProvider {
  private readonly logger = new Logger(S3StorageProvider.name);
  /** By part size; in practice one, as maxBytes comes from MAX_UPLOAD_BYTES. Idle, each keeps one upload's worth. */
  private readonly partPools = new Map<number, PartBufferPool>();

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly endpointLabel = 'AWS S3',
  ) {
    super();
  }

  /** Fails boot early, naming the settings to check, when the bucket cannot be reached. */
  async init(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
      throw new Error(
        `S3 bucket '${this.bucket}' at ${this.endpointLabel} is not usable: ${e.name ?? 'Error'}${status} ${e.message ?? ''}`.trim() +
          ' — check S3_ENDPOINT, S3_BUCKET and the S3 credentials.',
        { cause: error },
      );
    }
  }

  async write(key: string, body: Readable, options: WriteOptions = {}): Promise<StoredObject> {
    assertStorageKey(key);
    const digest = new DigestStream(options.maxBytes, options.onBytes);
    // pipeline (not pipe) so a client abort on `body` errors `digest`, which fails the upload.
    pipeline(body, digest, () => undefined);
    const parts = this.partsFor(options.maxBytes);
    const upload = new MultipartUpload({ client: this.client, bucket: this.bucket, key, queueSize: QUEUE_SIZE, parts });
    try {
      await upload.upload(digest);
      return await digest.result();
    } catch (error) {
      digest.destroy();
      body.destroy();
      await this.cleanUpFailedUpload(key, upload.uploadId);
      // A client that went away errors its own request stream: that is no outage of the store.
      throw body.errored ? error : storageError(error);
    }
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket })).catch((error: unknown) => {
      throw storageError(error);
    });
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    assertStorageKey(key);
    try {
      const result = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
      );
      return result.Body as Readable;
    } catch (error) {
      if (isMissing(error)) throw new DomainError(ErrorCode.NotFound, `Storage object '${key}' is missing.`);
      throw storageError(error);
    }
  }

  async delete(key: string): Promise<void> {
    assertStorageKey(key);
    // S3 DeleteObject succeeds for a missing key, which is the idempotence the contract asks for.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })).catch((error: unknown) => {
      throw storageError(error);
    });
  }

  async stat(key: string): Promise<{ size: number } | null> {
    assertStorageKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isMissing(error)) return null;
      throw storageError(error);
    }
  }

  async *list(options: ListOptions = {}): AsyncIterable<ListedObject[]> {
    let token: string | undefined;
    do {
      const page = await this.client
        .send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: options.prefix || undefined,
            MaxKeys: Math.min(options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE),
            ContinuationToken: token,
          }),
        )
        .catch((error: unknown) => {
          throw storageError(error);
        });
      const objects = (page.Contents ?? []).map((o) => ({ key: o.Key!, lastModified: o.LastModified ?? new Date(0), size: o.Size ?? 0 }));
      if (objects.length > 0) yield objects;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Incomplete multipart uploads (ListMultipartUploads, paged by key and upload id markers). One started before
   * `idleSince` may still be receiving parts (a large, slow upload): its parts are listed, and it counts as idle only
   * if none arrived since.
   */
  async *listPartialWrites(idleSince: Date, options: Pick<ListOptions, 'pageSize'> = {}): AsyncIterable<PartialWrite[]> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    let more = true;
    while (more) {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
          MaxUploads: Math.min(options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE),
        }),
      );
      const idle: PartialWrite[] = [];
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated >= idleSince) continue;
        const lastActivity = await this.lastPartAt(upload.Key, upload.UploadId, upload.Initiated);
        if (lastActivity !== null && lastActivity < idleSince) idle.push({ id: upload.UploadId, key: upload.Key, lastActivity });
      }
      if (idle.length > 0) yield idle;
      more = page.IsTruncated === true;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  async removePartialWrite(partial: PartialWrite): Promise<void> {
    if (!partial.key) throw new DomainError(ErrorCode.Internal, `Multipart upload ${partial.id} names no key`);
    await this.client
      .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: partial.key, UploadId: partial.id }))
      .catch((error: unknown) => {
        if (!isUploadGone(error)) throw error;
      });
  }

  /** The latest of `initiated` and the upload's parts' times; null when the upload is gone meanwhile. */
  private async lastPartAt(key: string, uploadId: string, initiated: Date): Promise<Date | null> {
    let latest = initiated;
    let marker: string | undefined;
    try {
      do {
        const parts = await this.client.send(
          new ListPartsCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }),
        );
        for (const part of parts.Parts ?? []) if (part.LastModified && part.LastModified > latest) latest = part.LastModified;
        marker = parts.IsTruncated ? parts.NextPartNumberMarker : undefined;
      } while (marker);
    } catch (error) {
      if (isUploadGone(error)) return null;
      throw error;
    }
    return latest;
  }

  override async presignedUrl(key: string, ttlSeconds: number, options: PresignOptions = {}): Promise<string> {
    assertStorageKey(key);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: options.contentType,
      ResponseContentDisposition: options.contentDisposition,
    });
    return getSignedUrl(this.client, command, { expiresIn: ttlSeconds });
  }

  /** Part buffers big enough that maxBytes fits in S3's 10,000 parts; small enough to keep memory flat. */
  private partsFor(maxBytes = Number.POSITIVE_INFINITY): PartBufferPool {
    const partSize = Number.isFinite(maxBytes) ? Math.max(MIN_PART_SIZE, Math.ceil(maxBytes / MAX_PARTS / MiB) * MiB) : MIN_PART_SIZE;
    let pool = this.partPools.get(partSize);
    if (!pool) this.partPools.set(partSize, (pool = new PartBufferPool(partSize, QUEUE_SIZE + 1)));
    return pool;
  }

  /** Aborts the multipart upload (dropping its parts) and removes any object a lost response may have left. */
  private async cleanUpFailedUpload(key: string, uploadId: string | undefined): Promise<void> {
    if (uploadId) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })).catch((e: Error) => {
        // Gone already: the orphan sweeper aborted it (an upload idle for ORPHAN_MIN_AGE_SECONDS).
        if (!isUploadGone(e)) this.logger.error(`Could not abort multipart upload ${uploadId} of ${key}: ${e.name} ${e.message}`);
      });
    }
    await this.client
      .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
      .catch((e: Error) => this.logger.error(`Could not remove partial object ${key}: ${e.name} ${e.message}`));
  }
}
