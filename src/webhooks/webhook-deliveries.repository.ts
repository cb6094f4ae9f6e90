import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deleteInSlices } from '../database/delete-in-slices.js';
import type { WebhookPayload } from './webhook-event.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface AttemptResult {
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  url: string;
  payload: WebhookPayload;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  history: AttemptResult[];
  createdAt: Date;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  url: string;
  payload: WebhookPayload;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  history: AttemptResult[];
  created_at: Date;
}

const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  id: row.id,
  eventId: row.event_id,
  eventType: row.event_type,
  url: row.url,
  payload: row.payload,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  lastAttemptAt: row.last_attempt_at,
  lastStatusCode: row.last_status_code,
  lastError: row.last_error,
  deliveredAt: row.delivered_at,
  history: row.history,
  createdAt: row.created_at,
});

/** The attempts kept per delivery in `history` (the counters keep the totals). */
const HISTORY_LENGTH = 20;

/** Queries on the webhook outbox, and nothing else: the retry rules are in WebhookDispatcher. */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Claims up to `limit` due deliveries for `leaseMs`: their next attempt moves past the lease, so that no other
   * instance (nor this one's next poll) takes them while they are being sent. SKIP LOCKED: instances polling at the
   * same moment claim different rows instead of waiting for each other.
   */
  async claimDue(limit: number, leaseMs: number): Promise<WebhookDelivery[]> {
    const rows = await this.db.query<DeliveryRow[]>(
      // A CTE, so that TypeORM answers the rows (a bare UPDATE comes back as [rows, count]).
      `WITH claimed AS (UPDATE webhook_deliveries d
       SET next_attempt_at = now() + make_interval(secs => $2::double precision / 1000), attempts = d.attempts + 1, last_attempt_at = now()
       WHERE d.id IN (
         SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING d.*)
       SELECT * FROM claimed`,
      [limit, leaseMs],
    );
    return rows.map(toDelivery);
  }

  /** Records an attempt's result: delivered, failed for good, or due again after `retryInMs`. */
  async recordAttempt(id: string, result: AttemptResult, outcome: { status: DeliveryStatus; retryInMs?: number }): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET
         status = $2::varchar,
         last_status_code = $3::int,
         last_error = $4::text,
         delivered_at = CASE WHEN $2::varchar = 'delivered' THEN now() ELSE NULL END,
         next_attempt_at = CASE WHEN $5::double precision IS NULL THEN next_attempt_at ELSE now() + make_interval(secs => $5::double precision / 1000) END,
         history = CASE WHEN jsonb_array_length(history) >= ${HISTORY_LENGTH} THEN (history - 0) ELSE history END || jsonb_build_array($6::jsonb)
       WHERE id = $1`,
      [id, outcome.status, result.statusCode, result.error, outcome.retryInMs ?? null, JSON.stringify(result)],
    );
  }

  /** Newest first, optionally of one status. */
  async list(status: DeliveryStatus | undefined, limit: number, offset: number): Promise<[WebhookDelivery[], number]> {
    const clause = status ? 'WHERE status = $1' : '';
    const params = status ? [status] : [];
    const [rows, counted] = await Promise.all([
      this.db.query<DeliveryRow[]>(
        `SELECT * FROM webhook_deliveries ${clause} ORDER BY created_at DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, limit, offset],
      ),
      this.db.query<{ total: number }[]>(`SELECT count(*)::int AS total FROM webhook_deliveries ${clause}`, params),
    ]);
    return [rows.map(toDelivery), counted[0].total];
  }

  /**
   * Removes deliveries that ended (delivered or failed) and were queued before `before` (in slices); answers how many.
   * Pending ones stay, however old.
   */
  pruneEndedBefore(before: Date): Promise<number> {
    return deleteInSlices(this.db, 'webhook_deliveries', "created_at < $1 AND status <> 'pending'", [before]);
  }
}
