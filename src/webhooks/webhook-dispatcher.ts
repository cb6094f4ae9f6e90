import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AttemptResult, WebhookDeliveriesRepository, WebhookDelivery } from './webhook-deliveries.repository.js';
import { signatureHeader } from './webhook-signature.js';

/** Deliveries claimed per poll; a full batch polls again at once. */
const BATCH = 20;
/** The longest wait between two attempts of one delivery. */
const MAX_RETRY_DELAY_MS = 3_600_000;

/** The delay before attempt `attempts + 1`: the base, doubled after each failure, at most an hour. */
export const retryDelayMs = (baseMs: number, attempts: number): number =>
  Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_RETRY_DELAY_MS);

/**
 * Sends what the outbox holds to its receivers, signed (docs/webhooks.md): every instance polls, each claims its own
 * due rows (see claimDue), so several instances never send one delivery at the same time. A 2xx answer delivers;
 * anything else (another status, a refused connection, a timeout) is retried with exponential backoff, up to
 * WEBHOOK_MAX_ATTEMPTS attempts. The rows are the whole state: a restart, or a crash mid-send, loses nothing (a claim
 * whose instance died is due again once its lease ends, so a receiver may see a delivery twice: at least once).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly settings: AppConfig['webhooks'];

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.settings = config.webhooks;
  }

  /** A claim outlives the longest attempt, so that no other poll takes a delivery still being sent. */
  private get leaseMs(): number {
    return this.settings.timeoutMs * 2 + 5000;
  }

  onApplicationBootstrap(): void {
    // Whenever a secret is set, even with WEBHOOK_URLS emptied since: queued rows name their receiver and are still sent.
    if (!this.settings.secret) return;
    this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.running = this.poll().then((full) => this.schedule(full ? 0 : this.settings.pollIntervalMs));
    }, delayMs).unref();
  }

  /** One poll; answers whether the batch was full (more may be due). Never throws. */
  private async poll(): Promise<boolean> {
    try {
      const due = await this.deliveries.claimDue(BATCH, this.leaseMs);
      await Promise.all(due.map((delivery) => this.attempt(delivery)));
      return due.length === BATCH;
    } catch (error) {
      this.metrics.countBackgroundFailure('webhook_dispatch');
      this.logger.warn(`Webhook dispatch failed (the next poll tries again): ${String(error)}`);
      return false;
    }
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    const result = await this.send(delivery);
    const delivered = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    if (delivered) {
      await this.deliveries.recordAttempt(delivery.id, result, { status: 'delivered' });
      this.metrics.recordWebhookAttempt(delivery.eventType, 'delivered');
      return;
    }
    // claimDue counted this attempt already.
    if (delivery.attempts >= this.settings.maxAttempts) {
      await this.deliveries.recordAttempt(delivery.id, result, { status: 'failed' });
      this.metrics.recordWebhookAttempt(delivery.eventType, 'failed');
      this.logger.warn(`Gave up webhook delivery ${delivery.id} to ${delivery.url} after ${delivery.attempts} attempts`);
      return;
    }
    await this.deliveries.recordAttempt(delivery.id, result, {
      status: 'pending',
      retryInMs: retryDelayMs(this.settings.retryBaseMs, delivery.attempts),
    });
    this.metrics.recordWebhookAttempt(delivery.eventType, 'retry');
  }

  private async send(delivery: WebhookDelivery): Promise<AttemptResult> {
    const body = JSON.stringify(delivery.payload);
    const started = Date.now();
    const at = new Date(started).toISOString();
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Stowage-Webhooks',
          'Stowage-Event': delivery.eventType,
          'Stowage-Delivery': delivery.id,
          'Stowage-Signature': signatureHeader(this.settings.secret!, body, Math.floor(started / 1000)),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      // Drained so that the connection can be reused; what a receiver answers is not kept.
      await response.arrayBuffer().catch(() => undefined);
      return { at, statusCode: response.status, error: response.ok ? null : `HTTP ${response.status}`, durationMs: Date.now() - started };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const message = cause?.code ?? cause?.message ?? (error as Error).message;
      return { at, statusCode: null, error: String(message).slice(0, 500), durationMs: Date.now() - started };
    }
  }
}
