import { MigrationInterface, QueryRunner } from 'typeorm';

/** Chunked uploads (Appmixer /files) keep their state here, and indexes for listing a million files. */
export class ChunkedUploadsAndListing1764000000100 implements MigrationInterface {
  name = 'ChunkedUploadsAndListing1764000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE upload_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        upload_id varchar(128) NOT NULL UNIQUE,
        file_id varchar(128) NOT NULL UNIQUE,
        filename text NOT NULL,
        content_type varchar(255) NOT NULL,
        chunks_total integer NOT NULL CHECK (chunks_total >= 1),
        numbering_base smallint CHECK (numbering_base IN (0, 1)),
        chunk_size bigint,
        state varchar(16) NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'assembling')),
        assembled_key varchar(255),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX upload_sessions_expires_idx ON upload_sessions (expires_at)`);
    await q.query(`
      CREATE TABLE upload_chunks (
        session_id uuid NOT NULL REFERENCES upload_sessions(id) ON DELETE CASCADE,
        number integer NOT NULL CHECK (number >= 0),
        storage_key varchar(255) NOT NULL UNIQUE,
        size bigint NOT NULL CHECK (size >= 0),
        sha256 char(64) NOT NULL,
        PRIMARY KEY (session_id, number)
      )`);
    // Listing: admins page over everything by date; sizes and names sort per owner.
    await q.query(`CREATE INDEX file_meta_created_idx ON file_meta (created_at, id)`);
    await q.query(`CREATE INDEX file_meta_owner_size_idx ON file_meta (owner_id, size)`);
    await q.query(`CREATE INDEX file_meta_owner_filename_idx ON file_meta (owner_id, filename)`);
    // `filename:~text` is ILIKE '%text%': only a trigram index helps. pg_trgm ships with PostgreSQL (and the embedded
    // one) and is a trusted extension, but a locked-down server may still refuse it: then listing works, unindexed.
    await q.query(
      `DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'pg_trgm unavailable: %', SQLERRM; END $$`,
    );
    await q.query(`DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX file_meta_filename_trgm_idx ON file_meta USING gin (filename gin_trgm_ops);
      END IF;
    END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS file_meta_filename_trgm_idx`);
    await q.query(`DROP INDEX file_meta_owner_filename_idx`);
    await q.query(`DROP INDEX file_meta_owner_size_idx`);
    await q.query(`DROP INDEX file_meta_created_idx`);
    await q.query(`DROP TABLE upload_chunks`);
    await q.query(`DROP TABLE upload_sessions`);
  }
}
