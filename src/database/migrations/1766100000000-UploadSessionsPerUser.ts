import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Chunked upload ids (`uploader-file-id`) are scoped per user: two users may use the same id at once. A completed
 * upload keeps its session as 'complete' until it expires, so that a resent part finds the file it already made.
 */
export class UploadSessionsPerUser1766100000000 implements MigrationInterface {
  name = 'UploadSessionsPerUser1766100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE upload_sessions DROP CONSTRAINT upload_sessions_upload_id_key`);
    // Also the index that counts a user's open sessions (the per-user cap).
    await q.query(`ALTER TABLE upload_sessions ADD CONSTRAINT upload_sessions_owner_upload_uq UNIQUE (owner_id, upload_id)`);
    await q.query(`ALTER TABLE upload_sessions DROP CONSTRAINT upload_sessions_state_check`);
    await q.query(
      `ALTER TABLE upload_sessions ADD CONSTRAINT upload_sessions_state_check CHECK (state IN ('open', 'assembling', 'complete'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM upload_sessions WHERE state = 'complete'`);
    await q.query(`ALTER TABLE upload_sessions DROP CONSTRAINT upload_sessions_state_check`);
    await q.query(`ALTER TABLE upload_sessions ADD CONSTRAINT upload_sessions_state_check CHECK (state IN ('open', 'assembling'))`);
    await q.query(`ALTER TABLE upload_sessions DROP CONSTRAINT upload_sessions_owner_upload_uq`);
    // Fails if two users now share an id: they could not before.
    await q.query(`ALTER TABLE upload_sessions ADD CONSTRAINT upload_sessions_upload_id_key UNIQUE (upload_id)`);
  }
}
