import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TusUpload } from './tus-upload.js';

interface TusUploadRow {
  id: string;
  owner_id: string | null;
  filename: string;
  content_type: string;
  size: string;
  metadata: Record<string, string | null>;
  file_id: string | null;
  created_at: Date;
  expires_at: Date;
}

const COLUMNS = 'id, owner_id, filename, content_type, size, metadata, file_id, created_at, expires_at';

const toUpload = (row: TusUploadRow): TusUpload => ({
  id: row.id,
  ownerId: row.owner_id,
  filename: row.filename,
  contentType: row.content_type,
  size: Number(row.size),
  metadata: row.metadata,
  fileId: row.file_id,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

/**
 * Queries on tus_uploads, and nothing else: the rules are in TusUploadsService. `store_state` is the tus store's own
 * record of an upload (its KvStore value), read and written only through `TusStateStore`.
 */
@Injectable()
export class TusUploadsRepository {
  constructor(private readonly db: DataSource) {}

  async insert(upload: Omit<TusUpload, 'fileId' | 'createdAt' | 'expiresAt'>, expirySeconds: number): Promise<TusUpload> {
    const rows: TusUploadRow[] = await this.db.query(
      `INSERT INTO tus_uploads (id, owner_id, filename, content_type, size, metadata, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, now() + make_interval(secs => $7)) RETURNING ${COLUMNS}`,
      [upload.id, upload.ownerId, upload.filename, upload.contentType, upload.size, JSON.stringify(upload.metadata), expirySeconds],
    );
    return toUpload(rows[0]);
  }

  async findById(id: string): Promise<TusUpload | null> {
    const rows: TusUploadRow[] = await this.db.query(`SELECT ${COLUMNS} FROM tus_uploads WHERE id = $1`, [id]);
    return rows[0] ? toUpload(rows[0]) : null;
  }

  async storeState<T>(id: string): Promise<T | undefined> {
    const rows: { store_state: T | null }[] = await this.db.query(`SELECT store_state FROM tus_uploads WHERE id = $1`, [id]);
    return rows[0]?.store_state ?? undefined;
  }

  /** False when there is no such upload. */
  async setStoreState(id: string, state: unknown): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `WITH u AS (UPDATE tus_uploads SET store_state = $2::jsonb WHERE id = $1 RETURNING id) SELECT id FROM u`,
      [id, state === null ? null : JSON.stringify(state)],
    );
    return rows.length > 0;
  }

  async markComplete(id: string, fileId: string): Promise<void> {
    await this.db.query(`UPDATE tus_uploads SET file_id = $2, store_state = NULL WHERE id = $1`, [id, fileId]);
  }

  async delete(id: string): Promise<void> {
    await this.db.query(`DELETE FROM tus_uploads WHERE id = $1`, [id]);
  }

  /** Ids of uploads past their expiry, oldest first. */
  async expiredIds(limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(`SELECT id FROM tus_uploads WHERE expires_at < now() ORDER BY expires_at LIMIT $1`, [
      limit,
    ]);
    return rows.map((row) => row.id);
  }
}
