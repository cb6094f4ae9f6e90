import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { StorageProvider } from '../../storage/storage-provider.js';
import { UsersModule } from '../../users/users.module.js';
import { FilesModule } from '../files.module.js';
import { PgAdvisoryLocker } from './pg-advisory-locker.js';
import { TusBackend } from './tus-backend.js';
import { createTusBackend } from './tus-backend.factory.js';
import { TusServer } from './tus-server.js';
import { TusUploadSweeper } from './tus-upload-sweeper.js';
import { TusUploadsRepository } from './tus-uploads.repository.js';
import { TusUploadsService } from './tus-uploads.service.js';
import { TusController } from './tus.controller.js';

/** Resumable uploads (tus 1.0) at /api/uploads: finished uploads become ordinary files through FilesService. */
@Module({
  imports: [FilesModule, UsersModule],
  controllers: [TusController],
  providers: [
    TusUploadsRepository,
    PgAdvisoryLocker,
    { provide: TusBackend, inject: [AppConfig, StorageProvider, TusUploadsRepository], useFactory: createTusBackend },
    TusUploadsService,
    TusServer,
    TusUploadSweeper,
  ],
})
export class TusModule {}
