import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail (who did what to which file, from where, and how it ended) and the webhook outbox: one row per
 * event and receiver, written in the same statement or transaction as the change it reports, so that an event is
 * delivered exactly when its change committed (see docs/webhooks.md).
 */
export class AuditAndWebhooks1766300000000 implements MigrationInterface {
  name = 'AuditAndWebhooks1766300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_id uuid,
        actor_name text,
        client_address text,
        action varchar(32) NOT NULL,
        file_id varchar(128),
        target text,
        outcome varchar(16) NOT NULL,
        error_code varchar(64)
      )`);
    // Newest first, for every filter; the narrower filters get their own.
    await q.query(`CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC)`);
    await q.query(`CREATE INDEX audit_log_file_idx ON audit_log (file_id, at DESC) WHERE file_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event_id uuid NOT NULL,
        event_type varchar(32) NOT NULL,
        url text NOT NULL,
        payload jsonb NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending',
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz,
        last_status_code int,
        last_error text,
        delivered_at timestamptz,
        history jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at DESC, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE audit_log`);
  }
}
