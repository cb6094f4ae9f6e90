import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FileMeta } from './file-meta.entity.js';
import { FilesRepository } from './files.repository.js';
import { FilesService } from './files.service.js';
import { FilesController } from './native/files.controller.js';

@Module({
  imports: [TypeOrmModule.forFeature([FileMeta])],
  controllers: [FilesController],
  providers: [FilesRepository, FilesService],
  exports: [FilesService],
})
export class FilesModule {}
