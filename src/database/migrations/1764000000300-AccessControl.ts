import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-file grants (to one user or to everyone with a role) and API tokens (only their SHA-256 is stored). */
export class AccessControl1764000000300 implements MigrationInterface {
  name = 'AccessControl1764000000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE file_grants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        file_id varchar(128) NOT NULL REFERENCES file_meta(id) ON DELETE CASCADE,
        user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        role varchar(64),
        permission varchar(5) NOT NULL CHECK (permission IN ('READ', 'WRITE')),
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT file_grants_one_grantee CHECK ((user_id IS NULL) <> (role IS NULL))
      )`);
    // One grant per grantee and file; these also serve the "may this caller see this file" lookups.
    await q.query(`CREATE UNIQUE INDEX file_grants_file_user_uq ON file_grants (file_id, user_id) WHERE user_id IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX file_grants_file_role_uq ON file_grants (file_id, role) WHERE role IS NOT NULL`);
    // "Files shared with me" listings start from the grantee.
    await q.query(`CREATE INDEX file_grants_user_idx ON file_grants (user_id) WHERE user_id IS NOT NULL`);
    await q.query(`CREATE INDEX file_grants_role_idx ON file_grants (role) WHERE role IS NOT NULL`);

    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash char(64) NOT NULL UNIQUE,
        description varchar(255) NOT NULL,
        expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_tokens_user_created_idx ON api_tokens (user_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_tokens`);
    await q.query(`DROP TABLE file_grants`);
  }
}
