import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config.js';
import { WebhookEvent, WebhookEventType, WebhookFile, WebhookPayload, toWebhookFile } from './webhook-event.js';

/**
 * Queues webhook events in the outbox table (webhook_deliveries, one row per event and receiver) in the same statement
 * as the change they report: a repository adds `outbox.cte(...)` to its INSERT or DELETE, so the rows commit (or roll
 * back) with it, and an event is queued only for the rows the statement really changed. The dispatcher delivers them.
 */
@Injectable()
export class WebhookOutbox {
  readonly urls: readonly string[];

  constructor(config: AppConfig) {
    this.urls = config.webhooks.urls;
  }

  /** Whether any receiver is configured: without one, repositories keep their plain statements. */
  get enabled(): boolean {
    return this.urls.length > 0;
  }

  event(type: WebhookEventType, file: WebhookFile, extra: Partial<WebhookPayload['data']> = {}): WebhookEvent {
    return {
      fileId: file.id,
      payload: { id: randomUUID(), type, occurredAt: new Date().toISOString(), data: { file: toWebhookFile(file), ...extra } },
    };
  }

  /**
   * A data-modifying CTE named `outbox` that queues `events` for every receiver, each only if its file id is in the
   * `column` of the CTE `changed` (the rows the statement inserted, updated or deleted). Its parameters are numbered
   * from `$firstParam`; append `params` to the statement's own.
   */
  cte(events: readonly WebhookEvent[], changed: string, column: string, firstParam: number): { sql: string; params: unknown[] } {
    const p = (i: number) => `$${firstParam + i}`;
    return {
      sql: `outbox AS (
        INSERT INTO webhook_deliveries (event_id, event_type, url, payload)
        SELECT ev.event_id, ev.event_type, u.url, ev.payload
        FROM unnest(${p(0)}::uuid[], ${p(1)}::varchar[], ${p(2)}::varchar[], ${p(3)}::jsonb[]) AS ev(event_id, event_type, file_id, payload)
        JOIN (SELECT DISTINCT ${column} AS file_id FROM ${changed}) AS c ON c.file_id = ev.file_id
        CROSS JOIN unnest(${p(4)}::text[]) AS u(url))`,
      params: [
        events.map((e) => e.payload.id),
        events.map((e) => e.payload.type),
        events.map((e) => e.fileId),
        events.map((e) => JSON.stringify(e.payload)),
        [...this.urls],
      ],
    };
  }
}
