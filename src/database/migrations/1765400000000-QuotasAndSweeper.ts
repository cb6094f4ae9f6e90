import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-user quotas and what the orphan sweeper looks keys up by.
 *
 * `user_usage` holds each owner's bytes and file count, kept by statement-level triggers on file_meta in the same
 * transaction as the rows themselves, so reading a user's usage before an upload is one primary-key lookup, never a
 * SUM. One batched INSERT (group commit) updates each of its owners once. Usage rows are locked in user-id order so
 * that two statements touching several owners cannot deadlock. `users.quota_bytes` / `quota_files` are an admin's
 * override of the QUOTA_* defaults (NULL: the default).
 */
export class QuotasAndSweeper1765400000000 implements MigrationInterface {
  name = 'QuotasAndSweeper1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE users ADD COLUMN quota_bytes bigint CHECK (quota_bytes >= 0), ADD COLUMN quota_files bigint CHECK (quota_files >= 0)`,
    );
    await q.query(`
      CREATE TABLE user_usage (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        bytes bigint NOT NULL DEFAULT 0,
        files bigint NOT NULL DEFAULT 0
      )`);
    await q.query(`
      CREATE FUNCTION user_usage_add() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO user_usage (user_id, bytes, files)
          SELECT owner_id, sum(size), count(*) FROM new_rows WHERE owner_id IS NOT NULL GROUP BY owner_id ORDER BY owner_id
          ON CONFLICT (user_id) DO UPDATE SET bytes = user_usage.bytes + EXCLUDED.bytes, files = user_usage.files + EXCLUDED.files;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION user_usage_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM 1 FROM user_usage WHERE user_id IN (SELECT owner_id FROM old_rows) ORDER BY user_id FOR UPDATE;
        UPDATE user_usage u SET bytes = u.bytes - d.bytes, files = u.files - d.files
          FROM (SELECT owner_id, sum(size) AS bytes, count(*) AS files FROM old_rows WHERE owner_id IS NOT NULL GROUP BY owner_id) d
          WHERE u.user_id = d.owner_id;
        RETURN NULL;
      END $$`);
    // Owner or size changed: move the difference. A deleted user's files lose their owner (ON DELETE SET NULL); that
    // user's usage row goes with them, so it is not written again.
    await q.query(`
      CREATE FUNCTION user_usage_move() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO user_usage (user_id, bytes, files)
          SELECT d.owner_id, sum(d.bytes), sum(d.files) FROM (
            SELECT o.owner_id, -o.size AS bytes, -1 AS files FROM old_rows o JOIN new_rows n USING (id)
              WHERE o.owner_id IS DISTINCT FROM n.owner_id OR o.size <> n.size
            UNION ALL
            SELECT n.owner_id, n.size, 1 FROM old_rows o JOIN new_rows n USING (id)
              WHERE o.owner_id IS DISTINCT FROM n.owner_id OR o.size <> n.size
          ) d
          WHERE d.owner_id IS NOT NULL AND EXISTS (SELECT 1 FROM users WHERE users.id = d.owner_id)
          GROUP BY d.owner_id ORDER BY d.owner_id
          ON CONFLICT (user_id) DO UPDATE SET bytes = user_usage.bytes + EXCLUDED.bytes, files = user_usage.files + EXCLUDED.files;
        RETURN NULL;
      END $$`);
    // The triggers first: CREATE TRIGGER locks file_meta against writes until this migration commits, so the backfill
    // below counts exactly the rows the triggers will not.
    await q.query(
      `CREATE TRIGGER file_meta_usage_insert AFTER INSERT ON file_meta REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_usage_add()`,
    );
    await q.query(
      `CREATE TRIGGER file_meta_usage_delete AFTER DELETE ON file_meta REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION user_usage_subtract()`,
    );
    await q.query(
      `CREATE TRIGGER file_meta_usage_update AFTER UPDATE ON file_meta REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_usage_move()`,
    );
    await q.query(
      `INSERT INTO user_usage (user_id, bytes, files) SELECT owner_id, sum(size), count(*) FROM file_meta WHERE owner_id IS NOT NULL GROUP BY owner_id`,
    );
    // The sweeper asks "does any row reference these keys?" of upload_sessions.assembled_key too.
    await q.query(`CREATE INDEX upload_sessions_assembled_key_idx ON upload_sessions (assembled_key) WHERE assembled_key IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX upload_sessions_assembled_key_idx`);
    await q.query(`DROP TRIGGER file_meta_usage_update ON file_meta`);
    await q.query(`DROP TRIGGER file_meta_usage_delete ON file_meta`);
    await q.query(`DROP TRIGGER file_meta_usage_insert ON file_meta`);
    await q.query(`DROP FUNCTION user_usage_move()`);
    await q.query(`DROP FUNCTION user_usage_subtract()`);
    await q.query(`DROP FUNCTION user_usage_add()`);
    await q.query(`DROP TABLE user_usage`);
    await q.query(`ALTER TABLE users DROP COLUMN quota_files, DROP COLUMN quota_bytes`);
  }
}
