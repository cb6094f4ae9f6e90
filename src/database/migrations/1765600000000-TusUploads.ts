import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Resumable (tus) uploads in progress: who owns each, what it will be called, and the tus store's own state for it
 * (`store_state`), so that every instance sees the same uploads and none is known only to one process's memory.
 */
export class TusUploads1765600000000 implements MigrationInterface {
  name = 'TusUploads1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tus_uploads (
        id varchar(128) PRIMARY KEY,
        owner_id uuid REFERENCES users(id) ON DELETE SET NULL,
        filename text NOT NULL,
        content_type varchar(255) NOT NULL,
        size bigint NOT NULL CHECK (size >= 0),
        metadata jsonb NOT NULL DEFAULT '{}',
        store_state jsonb,
        file_id varchar(128),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX tus_uploads_expires_idx ON tus_uploads (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tus_uploads`);
  }
}
