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
    case 's3':
      throw new Error('STORAGE_DRIVER=s3 is not available in this build yet');
  }
}

/** Provides the configured `StorageProvider` to every module. */
@Global()
@Module({
  providers: [{ provide: StorageProvider, inject: [AppConfig], useFactory: createStorageProvider }],
  exports: [StorageProvider],
})
export class StorageModule {}
