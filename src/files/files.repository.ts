import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { preparedQuery } from '../database/prepared-query.js';
import { FileMeta } from './file-meta.entity.js';

interface FileMetaRow {
  id: string;
  filename: string;
  content_type: string;
  size: string;
  sha256: string;
  md5: string;
  storage_key: string;
  owner_id: string | null;
  created_at: Date;
}

const toFileMeta = (row: FileMetaRow): FileMeta =>
  Object.assign(new FileMeta(), {
    id: row.id,
    filename: row.filename,
    contentType: row.content_type,
    size: Number(row.size),
    sha256: row.sha256,
    md5: row.md5,
    storageKey: row.storage_key,
    ownerId: row.owner_id,
    createdAt: row.created_at,
  });

/** Queries on file metadata, and nothing else: the rules are in FilesService. */
@Injectable()
export class FilesRepository {
  constructor(@InjectRepository(FileMeta) private readonly files: Repository<FileMeta>) {}

  /** A prepared statement: this runs on every file request, and TypeORM's find machinery costs more than the query. */
  async findById(id: string): Promise<FileMeta | null> {
    const rows = await preparedQuery<FileMetaRow>(
      this.files.manager.connection,
      'stowage_file_meta_by_id',
      `SELECT id, filename, content_type, size, sha256, md5, storage_key, owner_id, created_at FROM file_meta WHERE id = $1`,
      [id],
    );
    return rows.length ? toFileMeta(rows[0]) : null;
  }

  existsById(id: string): Promise<boolean> {
    return this.files.existsBy({ id });
  }

  /**
   * Inserts (never updates): a taken id fails with the unique violation 23505. Prepared for the same reason as
   * findById: every upload runs it, and TypeORM's insert builder cost more than the statement.
   */
  async insert(file: FileMeta): Promise<FileMeta> {
    const [row] = await preparedQuery<Pick<FileMetaRow, 'created_at'>>(
      this.files.manager.connection,
      'stowage_file_meta_insert',
      `INSERT INTO file_meta (id, filename, content_type, size, sha256, md5, storage_key, owner_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING created_at`,
      [file.id, file.filename, file.contentType, file.size, file.sha256, file.md5, file.storageKey, file.ownerId],
    );
    file.createdAt = row.created_at;
    return file;
  }

  /** Deletes the row; false when it was already gone (a concurrent delete). */
  async deleteById(id: string): Promise<boolean> {
    const result = await this.files.delete({ id });
    return (result.affected ?? 0) > 0;
  }
}
