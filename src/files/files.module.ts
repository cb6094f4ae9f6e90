import { AuditModule } from '../audit/audit.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module.js';
import { FileAccessPolicy } from './access.js';
import { FileMeta } from './file-meta.entity.js';
import { FilesRepository } from './files.repository.js';
import { FilesService } from './files.service.js';
import { AppmixerFilesController } from './compat/appmixer/appmixer-files.controller.js';
import { HasuraFilesController } from './compat/hasura/hasura-files.controller.js';
import { FileListingRepository } from './listing/file-listing.repository.js';
import { FileListingService } from './listing/file-listing.service.js';
import { FilesController } from './native/files.controller.js';
import { OrphanSweeper } from './orphans/orphan-sweeper.js';
import { StorageReferences } from './orphans/storage-references.js';
import { SweepStats } from './orphans/sweep-stats.js';
import { FilesListingController } from './native/files-listing.controller.js';
import { FileGrant } from './sharing/file-grant.entity.js';
import { FileGrantsRepository } from './sharing/file-grants.repository.js';
import { FileSharingController } from './sharing/file-sharing.controller.js';
import { FileSharingService } from './sharing/file-sharing.service.js';
import { ChunkedUploadService } from './uploads/chunked-upload.service.js';
import { UploadSessionsRepository } from './uploads/upload-sessions.repository.js';
import { UploadSweeper } from './uploads/upload-sweeper.js';

@Module({
  imports: [TypeOrmModule.forFeature([FileMeta, FileGrant]), UsersModule, AuditModule, WebhooksModule],
  controllers: [FilesController, HasuraFilesController, FileSharingController, AppmixerFilesController, FilesListingController],
  providers: [
    FilesRepository,
    FilesService,
    FileGrantsRepository,
    FileAccessPolicy,
    FileSharingService,
    FileListingRepository,
    FileListingService,
    UploadSessionsRepository,
    ChunkedUploadService,
    UploadSweeper,
    StorageReferences,
    SweepStats,
    OrphanSweeper,
  ],
  // StorageReferences: other upload protocols register their keys; SweepStats: for metrics.
  exports: [FilesService, StorageReferences, SweepStats, OrphanSweeper],
})
export class FilesModule {}
