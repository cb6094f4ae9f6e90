import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Console sign-in sessions (POST /api/auth/session): kept in PostgreSQL, not in one process, so that any instance
 * accepts a session and signing out ends it everywhere. Only the SHA-256 of the cookie's secret is stored.
 */
export class Sessions1766400000000 implements MigrationInterface {
  name = 'Sessions1766400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        secret_hash char(64) NOT NULL UNIQUE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX sessions_user_idx ON sessions (user_id)`);
    await q.query(`CREATE INDEX sessions_expires_idx ON sessions (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sessions`);
  }
}
