import { Logger } from '@nestjs/common';
import { FileStore } from '@tus/file-store';
import type { DataStore, Upload } from '@tus/server';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppConfig } from '../../config/app-config.js';
import { LocalStorageProvider } from '../../storage/local/local-storage.provider.js';
import { assertStorageKey } from '../../storage/storage-key.js';
import { StorageProvider } from '../../storage/storage-provider.js';
import { TusStateStore } from './tus-state-store.js';
import { TusUploadsRepository } from './tus-uploads.repository.js';

/**
 * The tus store of the configured storage driver (@tus/file-store or @tus/s3-store), and what Stowage needs of it
 * besides the tus protocol: durable offsets, and turning a finished upload into the storage object named by its id,
 * so that a completed upload becomes a file without its bytes being copied.
 */
export abstract class TusBackend {
  abstract readonly store: DataStore;

  /** Makes every byte received so far durable, so that no offset reported runs ahead of it. */
  abstract sync(id: string): Promise<void>;

  /** Makes the fully received upload the storage object `id`; nothing to do when that already happened. */
  abstract assemble(id: string): Promise<void>;

  /** Removes what an unfinished upload holds in the store (bytes, parts, the store's records), not the object `id`. */
  abstract discardIncoming(id: string): Promise<void>;

  /** Once the file is committed: drops what the store still keeps about the upload. */
  abstract cleanUp(id: string): Promise<void>;
}

/**
 * @tus/file-store under the local provider's root (`DATA_DIR/files/tus/<id>`, shared by instances on one machine),
 * its upload info in PostgreSQL. A finished upload is renamed into the object tree: same filesystem, no copy.
 */
export class LocalTusBackend extends TusBackend {
  readonly store: FileStore;

  private constructor(
    private readonly storage: LocalStorageProvider,
    private readonly directory: string,
    configstore: TusStateStore<Upload>,
  ) {
    super();
    this.store = new FileStore({ directory, configstore });
  }

  static async create(storage: LocalStorageProvider, directory: string, configstore: TusStateStore<Upload>): Promise<LocalTusBackend> {
    await mkdir(directory, { recursive: true });
    return new LocalTusBackend(storage, directory, configstore);
  }

  // @tus/file-store writes through a plain write stream and never fsyncs: do it before any offset is answered.
  async sync(id: string): Promise<void> {
    const file = await open(this.pathOf(id), 'r+').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (!file) return;
    try {
      await file.sync();
    } finally {
      await file.close();
    }
  }

  async assemble(id: string): Promise<void> {
    const path = this.pathOf(id);
    if (!(await stat(path).catch(() => null))) return;
    await this.sync(id);
    await this.storage.adopt(id, path);
  }

  async discardIncoming(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
  }

  async cleanUp(): Promise<void> {}

  private pathOf(id: string): string {
    assertStorageKey(id);
    return join(this.directory, id);
  }
}

/** Picks the tus store of STORAGE_DRIVER, as StorageModule picks the provider. */
export async function createTusBackend(config: AppConfig, storage: StorageProvider, uploads: TusUploadsRepository): Promise<TusBackend> {
  const logger = new Logger('TusBackend');
  switch (config.storage.driver) {
    case 'local': {
      if (!(storage instanceof LocalStorageProvider)) throw new Error('STORAGE_DRIVER=local without the local storage provider');
      const directory = join(config.dataDir, 'files', 'tus');
      logger.log(`Resumable uploads in progress are kept under ${directory}`);
      return LocalTusBackend.create(storage, directory, new TusStateStore(uploads));
    }
    case 's3': {
      // Loaded only here, as the S3 provider is: the local driver has no use for the AWS SDK.
      const { S3TusBackend } = await import('./s3-tus-backend.js');
      return new S3TusBackend(config.storage.s3!, new TusStateStore(uploads));
    }
  }
}
