import { Global, Logger, Module } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config.js';
import { LocalStorageProvider } from './local/local-storage.provider.js';
import { StorageProvider } from './storage-provider.js';

async function createStorageProvider(config: AppConfig): Promise<StorageProvider> {
  switch (config.storage.driver) {
    case 'local': {
      const provider = new LocalStorageProvider(join(config.dataDir, 'files'));
      await provider.init();
      new Logger('StorageModule').log(`Storing files on local disk under ${join(config.dataDir, 'files')}`);
      return provider;
    }
    case 's3': {
      // loadConfig fills `s3` whenever the driver is s3 (validation names a missing S3_BUCKET).
      const settings = config.storage.s3!;
      const where = settings.endpoint ?? `AWS S3 (${settings.region})`;
      // Loaded only here: the AWS SDK adds resident memory at boot that the local driver has no use for.
      const { createS3Client, S3StorageProvider } = await import('./s3/s3-storage.provider.js');
      const provider = new S3StorageProvider(createS3Client(settings), settings.bucket, where);
      await provider.init();
      new Logger('StorageModule').log(`Storing files in S3 bucket '${settings.bucket}' at ${where}`);
      return provider;
    }
  }
}

/** Provides the configured `StorageProvider` to every module. */
@Global()
@Module({
  providers: [{ provide: StorageProvider, inject: [AppConfig], useFactory: createStorageProvider }],
  exports: [StorageProvider],
})
export class StorageModule {}
