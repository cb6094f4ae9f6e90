import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { FileMeta } from './file-meta.entity.js';

/** Queries on file metadata, and nothing else: the rules are in FilesService. */
@Injectable()
export class FilesRepository {
  constructor(@InjectRepository(FileMeta) private readonly files: Repository<FileMeta>) {}

  findById(id: string): Promise<FileMeta | null> {
    return this.files.findOneBy({ id });
  }

  existsById(id: string): Promise<boolean> {
    return this.files.existsBy({ id });
  }

  /** Inserts (never updates): a taken id fails with the unique violation 23505. */
  async insert(file: FileMeta): Promise<FileMeta> {
    await this.files.insert(file);
    return file;
  }

  /** Deletes the row; false when it was already gone (a concurrent delete). */
  async deleteById(id: string): Promise<boolean> {
    const result = await this.files.delete({ id });
    return (result.affected ?? 0) > 0;
  }
}
