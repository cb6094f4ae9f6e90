import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ChunkRecord, NewUploadSession, UploadChunk, UploadSession } from './upload-session.js';

interface SessionRow {
  id: string;
  owner_id: string;
  upload_id: string;
  file_id: string;
  filename: string;
  content_type: string;
  chunks_total: number;
  numbering_base: number | null;
  chunk_size: string | null;
  state: 'open' | 'assembling' | 'complete';
  assembled_key: string | null;
  created_at: Date;
  expires_at: Date;
}

const toSession = (row: SessionRow): UploadSession => ({
  id: row.id,
  ownerId: row.owner_id,
  uploadId: row.upload_id,
  fileId: row.file_id,
  filename: row.filename,
  contentType: row.content_type,
  chunksTotal: row.chunks_total,
  numberingBase: row.numbering_base === null ? null : (row.numbering_base as 0 | 1),
  chunkSize: row.chunk_size === null ? null : Number(row.chunk_size),
  state: row.state,
  assembledKey: row.assembled_key,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

/**
 * Upload sessions and their chunks, in PostgreSQL so that any instance can continue (or finish) an upload.
 * Raw parameterised SQL: the row locks and claims below are the point of this class. Every UPDATE/DELETE ...
 * RETURNING is wrapped in `WITH ... SELECT`, because TypeORM answers a bare UPDATE/DELETE with `[rows, count]`.
 */
@Injectable()
export class UploadSessionsRepository {
  constructor(private readonly db: DataSource) {}

  /** The owner's upload with this id: ids are per user, another user's upload of the same id is not this one. */
  async findByUploadId(ownerId: string, uploadId: string): Promise<UploadSession | null> {
    const rows: SessionRow[] = await this.db.query(`SELECT * FROM upload_sessions WHERE owner_id = $1 AND upload_id = $2`, [
      ownerId,
      uploadId,
    ]);
    return rows[0] ? toSession(rows[0]) : null;
  }

  async fileOwnedBy(fileId: string, ownerId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM file_meta WHERE id = $1 AND owner_id = $2`, [fileId, ownerId]);
    return rows.length > 0;
  }

  /**
   * Creates the session, or returns the one a concurrent request created a moment earlier under the same id.
   * 'over-limit' when the owner already has `maxOpen` unfinished, unexpired sessions. The count and the insert are
   * one statement; two racing requests can still both see room, so the limit can be passed by the few in flight.
   */
  async create(input: NewUploadSession, maxOpen: number): Promise<UploadSession | 'over-limit'> {
    const rows: SessionRow[] = await this.db.query(
      `INSERT INTO upload_sessions (owner_id, upload_id, file_id, filename, content_type, chunks_total, chunk_size, expires_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8)
       WHERE (SELECT count(*) FROM upload_sessions WHERE owner_id = $1 AND state <> 'complete' AND expires_at > now()) < $9
       ON CONFLICT (owner_id, upload_id) DO NOTHING RETURNING *`,
      [
        input.ownerId,
        input.uploadId,
        input.fileId,
        input.filename,
        input.contentType,
        input.chunksTotal,
        input.chunkSize,
        input.expirySeconds,
        maxOpen,
      ],
    );
    if (rows[0]) return toSession(rows[0]);
    return (await this.findByUploadId(input.ownerId, input.uploadId)) ?? 'over-limit';
  }

  /** Claims an open session for assembly (a one-part upload claims at once); null when another request has it. */
  async claim(sessionId: string, assembledKey: string, expirySeconds: number): Promise<UploadSession | null> {
    const rows: SessionRow[] = await this.db.query(
      `WITH u AS (UPDATE upload_sessions SET state = 'assembling', assembled_key = $2, expires_at = now() + make_interval(secs => $3)
       WHERE id = $1 AND state = 'open' RETURNING *) SELECT * FROM u`,
      [sessionId, assembledKey, expirySeconds],
    );
    return rows[0] ? toSession(rows[0]) : null;
  }

  /**
   * Marks the session complete (its file is committed) until `expirySeconds` from now, and drops its chunk rows;
   * returns the chunks' storage keys (for the caller to remove).
   */
  async complete(sessionId: string, expirySeconds: number): Promise<string[]> {
    const rows: { storage_key: string }[] = await this.db.query(
      `WITH s AS (UPDATE upload_sessions SET state = 'complete', expires_at = now() + make_interval(secs => $2) WHERE id = $1 RETURNING id),
            c AS (DELETE FROM upload_chunks WHERE session_id IN (SELECT id FROM s) RETURNING storage_key)
       SELECT storage_key FROM c`,
      [sessionId, expirySeconds],
    );
    return rows.map((row) => row.storage_key);
  }

  /**
   * Records one stored chunk under a row lock on its session, so that concurrent chunks (on any instance) see a
   * consistent numbering base and exactly one of them claims the completed set for assembly.
   */
  recordChunk(sessionId: string, chunk: UploadChunk, expirySeconds: number, assembledKey: string): Promise<ChunkRecord> {
    return this.db.transaction(async (tx): Promise<ChunkRecord> => {
      const locked: SessionRow[] = await tx.query(`SELECT * FROM upload_sessions WHERE id = $1 FOR UPDATE`, [sessionId]);
      if (!locked[0]) return { kind: 'gone' };
      let session = toSession(locked[0]);
      if (session.state === 'complete') return { kind: 'complete', session };
      if (session.state === 'assembling') {
        // A resend of a chunk already in the set being assembled is the idempotent resend it would have been before.
        const existing: { sha256: string }[] = await tx.query(`SELECT sha256 FROM upload_chunks WHERE session_id = $1 AND number = $2`, [
          sessionId,
          chunk.number,
        ]);
        if (existing[0]?.sha256 !== chunk.sha256) return { kind: 'closed' };
        const { received, bytes } = await this.progress(tx, sessionId);
        return { kind: 'duplicate', sameBytes: true, session, received, bytes };
      }
      const base = chunk.number === 0 ? 0 : chunk.number === session.chunksTotal ? 1 : null;
      if (base !== null && session.numberingBase !== null && base !== session.numberingBase)
        return { kind: 'out-of-range', base: session.numberingBase };

      const inserted: unknown[] = await tx.query(
        `INSERT INTO upload_chunks (session_id, number, storage_key, size, sha256) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (session_id, number) DO NOTHING RETURNING number`,
        [sessionId, chunk.number, chunk.storageKey, chunk.size, chunk.sha256],
      );
      const updated: SessionRow[] = await tx.query(
        `WITH u AS (UPDATE upload_sessions SET numbering_base = COALESCE(numbering_base, $2), chunk_size = COALESCE(chunk_size, $3),
           expires_at = now() + make_interval(secs => $4) WHERE id = $1 RETURNING *) SELECT * FROM u`,
        [sessionId, base, chunk.size, expirySeconds],
      );
      session = toSession(updated[0]);
      const { received, bytes } = await this.progress(tx, sessionId);
      if (inserted.length === 0) {
        const existing: { sha256: string }[] = await tx.query(`SELECT sha256 FROM upload_chunks WHERE session_id = $1 AND number = $2`, [
          sessionId,
          chunk.number,
        ]);
        return { kind: 'duplicate', sameBytes: existing[0]?.sha256 === chunk.sha256, session, received, bytes };
      }
      if (received < session.chunksTotal) return { kind: 'recorded', claimed: false, session, received, bytes };
      const claimed: SessionRow[] = await tx.query(
        `WITH u AS (UPDATE upload_sessions SET state = 'assembling', assembled_key = $2, expires_at = now() + make_interval(secs => $3)
         WHERE id = $1 AND state = 'open' RETURNING *) SELECT * FROM u`,
        [sessionId, assembledKey, expirySeconds],
      );
      return { kind: 'recorded', claimed: claimed.length > 0, session: claimed[0] ? toSession(claimed[0]) : session, received, bytes };
    });
  }

  private async progress(tx: EntityManager, sessionId: string): Promise<{ received: number; bytes: number }> {
    const rows: { received: string; bytes: string | null }[] = await tx.query(
      `SELECT count(*) AS received, sum(size) AS bytes FROM upload_chunks WHERE session_id = $1`,
      [sessionId],
    );
    return { received: Number(rows[0].received), bytes: Number(rows[0].bytes ?? 0) };
  }

  /** Bytes of the chunks recorded so far. */
  async bytesReceived(sessionId: string): Promise<number> {
    const rows: { bytes: string | null }[] = await this.db.query(`SELECT sum(size) AS bytes FROM upload_chunks WHERE session_id = $1`, [
      sessionId,
    ]);
    return Number(rows[0]?.bytes ?? 0);
  }

  async chunksOf(sessionId: string): Promise<UploadChunk[]> {
    const rows: { number: number; storage_key: string; size: string; sha256: string }[] = await this.db.query(
      `SELECT number, storage_key, size, sha256 FROM upload_chunks WHERE session_id = $1 ORDER BY number`,
      [sessionId],
    );
    return rows.map((row) => ({ number: row.number, storageKey: row.storage_key, size: Number(row.size), sha256: row.sha256 }));
  }

  /** Deletes the session and its chunk rows; returns the storage keys of its chunks (for the caller to remove). */
  async delete(sessionId: string): Promise<string[]> {
    const rows: { storage_key: string }[] = await this.db.query(
      `WITH s AS (DELETE FROM upload_sessions WHERE id = $1 RETURNING id),
            c AS (DELETE FROM upload_chunks WHERE session_id IN (SELECT id FROM s) RETURNING storage_key)
       SELECT storage_key FROM c`,
      [sessionId],
    );
    return rows.map((row) => row.storage_key);
  }

  /**
   * Deletes every expired session in one statement (so two instances sweeping at once never both get a session),
   * and every session stuck in 'assembling' for `stuckSeconds` (its instance died mid-assembly: a claim sets
   * expires_at to now + `expirySeconds` and nothing moves it after); returns the storage keys of their chunks and
   * of any assembly a crash left behind.
   */
  async deleteExpired(expirySeconds: number, stuckSeconds: number): Promise<{ sessions: number; storageKeys: string[] }> {
    const rows: { kind: 's' | 'c'; storage_key: string | null }[] = await this.db.query(
      `WITH s AS (DELETE FROM upload_sessions WHERE expires_at < now()
              OR (state = 'assembling' AND expires_at < now() + make_interval(secs => $1::double precision - $2::double precision))
              RETURNING id, assembled_key),
            c AS (DELETE FROM upload_chunks WHERE session_id IN (SELECT id FROM s) RETURNING storage_key)
       -- An assembled object that a committed file now owns is that file's bytes: never swept.
       SELECT 's' AS kind, CASE WHEN EXISTS (SELECT 1 FROM file_meta f WHERE f.storage_key = s.assembled_key) THEN NULL ELSE assembled_key END AS storage_key FROM s
       UNION ALL SELECT 'c' AS kind, storage_key FROM c`,
      [expirySeconds, stuckSeconds],
    );
    return {
      sessions: rows.filter((row) => row.kind === 's').length,
      storageKeys: rows.flatMap((row) => (row.storage_key ? [row.storage_key] : [])),
    };
  }
}
