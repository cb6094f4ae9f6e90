import type { KvStore } from '@tus/server';
import { tusUploadNotFound } from './tus-errors.js';
import { TusUploadsRepository } from './tus-uploads.repository.js';

/**
 * The tus stores' KvStore (their record of each upload: the file store's upload info, the S3 store's multipart
 * upload id) kept in the upload's tus_uploads row, so that every instance reads the same and a restart loses nothing.
 * The row itself belongs to TusUploadsService: `set` only fills in an existing one, `delete` only empties it.
 */
export class TusStateStore<T> implements KvStore<T> {
  constructor(private readonly uploads: TusUploadsRepository) {}

  get(key: string): Promise<T | undefined> {
    return this.uploads.storeState<T>(key);
  }

  async set(key: string, value: T): Promise<void> {
    if (!(await this.uploads.setStoreState(key, value))) throw tusUploadNotFound();
  }

  async delete(key: string): Promise<void> {
    await this.uploads.setStoreState(key, null);
  }
}
