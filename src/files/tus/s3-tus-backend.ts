import { type MetadataValue, S3Store } from '@tus/s3-store';
import type { S3Settings } from '../../config/app-config.js';
import { s3ClientConfig } from '../../storage/s3/s3-storage.provider.js';
import { TusBackend } from './tus-backend.js';
import { TusStateStore } from './tus-state-store.js';

const MiB = 1024 * 1024;
/**
 * @tus/s3-store writes each part to a temp file (in the OS temp directory, TMPDIR) before sending it, and holds a
 * permit of its part semaphore from the moment a part file is started until S3 has the part. So at most
 * PART_UPLOADS × PART_SIZE bytes of part files exist per instance, whatever the number of uploads; each PATCH that
 * resumes after a short tail part adds that tail (under 5 MiB) while it is re-read.
 */
const PART_SIZE = 8 * MiB;
const PART_UPLOADS = 4;

const S3_MISSING = new Set(['NoSuchUpload', 'NoSuchKey', 'NotFound']);
const isMissing = (error: unknown) => S3_MISSING.has((error as { name?: string })?.name ?? '');

/**
 * @tus/s3-store with what Stowage adds: the multipart upload is named by the upload id, which is a storage key, so
 * completing it makes the file's object in place (no copy); its `.info` object and any short tail part are removed
 * once the file is committed. The store's records (multipart upload id, upload info) are cached in PostgreSQL.
 */
class StowageS3Store extends S3Store {
  /** Completes the multipart upload unless it already was (a crash, or a failure, between completing and committing). */
  async assemble(id: string): Promise<void> {
    let parts;
    try {
      parts = await this.retrieveParts(id);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    await this.finishMultipartUpload(await this.getMetadata(id), parts);
  }

  async discardIncoming(id: string): Promise<void> {
    const uploadId = await this.getMetadata(id).then(
      (metadata) => metadata['upload-id'],
      (error: unknown) => {
        if (isMissing(error)) return undefined;
        throw error;
      },
    );
    if (uploadId) {
      await this.client.abortMultipartUpload({ Bucket: this.bucket, Key: id, UploadId: uploadId }).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    }
    await this.cleanUp(id);
  }

  async cleanUp(id: string): Promise<void> {
    await this.client.deleteObjects({
      Bucket: this.bucket,
      Delete: { Objects: [{ Key: this.infoKey(id) }, { Key: this.partKey(id, true) }], Quiet: true },
    });
    await this.clearCache(id);
  }
}

export class S3TusBackend extends TusBackend {
  readonly store: StowageS3Store;

  constructor(settings: S3Settings, cache: TusStateStore<MetadataValue>) {
    super();
    this.store = new StowageS3Store({
      partSize: PART_SIZE,
      maxConcurrentPartUploads: PART_UPLOADS,
      // Expiry is ours (TusUploadsService sweeps by tus_uploads.expires_at): no tagging, which S3-compatible servers
      // handle unevenly.
      useTags: false,
      cache,
      s3ClientConfig: { ...s3ClientConfig(settings), bucket: settings.bucket },
    });
  }

  // S3 acknowledges a part only once it is stored.
  async sync(): Promise<void> {}

  assemble(id: string): Promise<void> {
    return this.store.assemble(id);
  }

  discardIncoming(id: string): Promise<void> {
    return this.store.discardIncoming(id);
  }

  cleanUp(id: string): Promise<void> {
    return this.store.cleanUp(id);
  }
}
