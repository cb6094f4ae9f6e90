import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig } from '../../config/app-config.js';
import { LocalStorageProvider } from '../../storage/local/local-storage.provider.js';
import { StorageProvider } from '../../storage/storage-provider.js';
import { LocalTusBackend } from './local-tus-backend.js';
import { TusBackend } from './tus-backend.js';
import { TusStateStore } from './tus-state-store.js';
import { TusUploadsRepository } from './tus-uploads.repository.js';

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
