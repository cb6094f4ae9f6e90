import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { NewAuditEntry } from '../audit/audit-entry.js';
import { auditInsert } from '../audit/audit.repository.js';
import { InsertBatcher } from '../database/insert-batcher.js';
import { preparedQuery } from '../database/prepared-query.js';
import { WebhookEventType } from '../webhooks/webhook-event.js';
import { WebhookOutbox } from '../webhooks/webhook-outbox.js';
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

/** A file row to insert, with the audit entry of its upload (none when the trail is off). */
interface NewFileRow {
  file: FileMeta;
  audit?: NewAuditEntry;
}

/** Queries on file metadata, and nothing else: the rules are in FilesService. */
@Injectable()
export class FilesRepository {
  /** Concurrent uploads share one INSERT and one commit: see InsertBatcher. */
  private readonly batcher = new InsertBatcher((rows: NewFileRow[]) => this.insertAll(rows));

  constructor(
    @InjectRepository(FileMeta) private readonly files: Repository<FileMeta>,
    private readonly outbox: WebhookOutbox,
  ) {}

  /** A prepared statement: this runs on every file request, and TypeORM's find machinery costs more than the query. */
  findById(id: string): Promise<FileMeta | null> {
    return preparedQuery<FileMetaRow>(
      this.files.manager.connection,
      'stowage_file_meta_by_id',
      `SELECT id, filename, content_type, size, sha256, md5, storage_key, owner_id, created_at FROM file_meta WHERE id = $1`,
      [id],
    ).then((rows) => (rows.length ? toFileMeta(rows[0]) : null));
  }

  /** The file whose bytes are the object `storageKey` (keys are unique), if any. */
  findByStorageKey(storageKey: string): Promise<FileMeta | null> {
    return this.files.findOneBy({ storageKey });
  }

  existsById(id: string): Promise<boolean> {
    return this.files.existsBy({ id });
  }

  /**
   * Inserts (never updates): a taken id fails with the unique violation 23505. Concurrent inserts are grouped
   * into one statement and one commit, prepared for the same reason as findById.
   */
  async insert(file: FileMeta, audit?: NewAuditEntry): Promise<FileMeta> {
    file.createdAt = await this.batcher.insert({ file, audit });
    return file;
  }

  /**
   * One statement for many rows (the arrays unnest in step), with their audit entries and (when webhooks are on)
   * file.created events, so that both commit with the rows and cost no commit of their own; answers each row's
   * created_at, in the rows' order.
   */
  private async insertAll(batch: NewFileRow[]): Promise<Date[]> {
    const files = batch.map((row) => row.file);
    const column = <T>(pick: (file: FileMeta) => T) => files.map(pick);
    const values: unknown[] = [
      column((f) => f.id),
      column((f) => f.filename),
      column((f) => f.contentType),
      column((f) => f.size),
      column((f) => f.sha256),
      column((f) => f.md5),
      column((f) => f.storageKey),
      column((f) => f.ownerId),
    ];
    const insert = `INSERT INTO file_meta (id, filename, content_type, size, sha256, md5, storage_key, owner_id)
       SELECT * FROM unnest($1::varchar[], $2::text[], $3::varchar[], $4::bigint[], $5::char(64)[], $6::char(32)[], $7::varchar[], $8::uuid[])
       RETURNING id, created_at`;
    const entries = batch.flatMap((row) => (row.audit ? [row.audit] : []));
    const ctes: string[] = [];
    let name = 'stowage_file_meta_insert_many';
    if (entries.length > 0) {
      const audit = auditInsert(entries, values.length + 1);
      ctes.push(`audited AS (${audit.sql})`);
      values.push(...audit.params);
      name += '_audited';
    }
    if (this.outbox.enabled) {
      const events = files.map((file) => this.outbox.event(WebhookEventType.FileCreated, file));
      const outbox = this.outbox.cte(events, 'inserted', 'id', values.length + 1);
      ctes.push(outbox.sql);
      values.push(...outbox.params);
      name += '_with_events';
    }
    const rows = await preparedQuery<Pick<FileMetaRow, 'id' | 'created_at'>>(
      this.files.manager.connection,
      name,
      ctes.length ? `WITH inserted AS (${insert}), ${ctes.join(', ')} SELECT id, created_at FROM inserted` : insert,
      values,
    );
    // RETURNING's order is not promised: match rows by id (unique within a batch that succeeded).
    const createdAt = new Map(rows.map((row) => [row.id, row.created_at]));
    return files.map((f) => createdAt.get(f.id)!);
  }

  /**
   * Deletes the row with this file's id and storage key, with its file.deleted event when webhooks are on; false when
   * it is gone or was replaced (a concurrent delete).
   */
  async deleteExactly(file: FileMeta): Promise<boolean> {
    if (!this.outbox.enabled) {
      const result = await this.files.delete({ id: file.id, storageKey: file.storageKey });
      return (result.affected ?? 0) > 0;
    }
    const outbox = this.outbox.cte([this.outbox.event(WebhookEventType.FileDeleted, file)], 'deleted', 'id', 3);
    const rows = await this.files.query<{ n: number }[]>(
      `WITH deleted AS (DELETE FROM file_meta WHERE id = $1 AND storage_key = $2 RETURNING id), ${outbox.sql} SELECT count(*)::int AS n FROM deleted`,
      [file.id, file.storageKey, ...outbox.params],
    );
    return rows[0].n > 0;
  }
}
