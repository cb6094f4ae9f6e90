import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ErrorCode } from '../common/errors/error-code.js';
import { AppConfig } from '../config/app-config.js';

/** Label of requests that matched no route (unknown paths, and requests refused before routing): never the raw URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Error codes that are failures of ours or of what we depend on, counted in `stowage_errors_total`. */
const COUNTED_ERRORS = new Set<ErrorCode>([
  ErrorCode.StorageFull,
  ErrorCode.StorageUnavailable,
  ErrorCode.DatabaseUnavailable,
  ErrorCode.Internal,
]);

// Small JSON answers take milliseconds, whole files minutes: the default buckets stop at 10 s.
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * Prometheus metrics of one Stowage instance, in a registry of its own (several apps in one process, as in the
 * tests, never share counters). Off unless METRICS_TOKEN or METRICS_PORT is set: then every method here returns at
 * once and nothing is collected, and no per-request hook is installed (see `configureApp`).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly enabled: boolean;

  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request arriving to its response ending, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly uploadedBytes = new Counter({
    name: 'stowage_upload_bytes_total',
    help: 'File bytes received from clients, counted as they stream into storage (a failed upload counts what arrived)',
    registers: [this.registry],
  });
  private readonly downloadedBytes = new Counter({
    name: 'stowage_download_bytes_total',
    help: 'File bytes sent to clients in download responses, counted as they stream out',
    registers: [this.registry],
  });
  private readonly uploadsInFlight = new Gauge({
    name: 'stowage_uploads_in_flight',
    help: 'Uploads (whole files and chunks) whose bytes are streaming into storage now',
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'stowage_errors_total',
    help: 'Requests that failed on storage, the database or a bug, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly sweeps = new Counter({
    name: 'stowage_sweeps_total',
    help: 'Runs of the background sweepers, by kind and outcome (ok, failed)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly swept = new Counter({
    name: 'stowage_sweep_removed_total',
    help: 'What the background sweepers removed, by kind (e.g. expired_uploads: unfinished chunked uploads)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly backgroundFailures = new Counter({
    name: 'stowage_background_failures_total',
    help: 'Failures of work done outside a request, by kind (audit_write: an audit entry not written; webhook_dispatch: a dispatcher poll that failed)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly webhookAttempts = new Counter({
    name: 'stowage_webhook_attempts_total',
    help: 'Webhook delivery attempts, by event type and outcome (delivered, retry, failed: given up)',
    labelNames: ['event', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Passed to storage writes of client bytes (WriteOptions.onBytes); undefined when metrics are off. */
  readonly uploadByteCounter: ((bytes: number) => void) | undefined;

  constructor(config: AppConfig) {
    this.enabled = config.metrics.token !== undefined || config.metrics.port !== undefined;
    if (!this.enabled) return;
    collectDefaultMetrics({ register: this.registry });
    this.uploadByteCounter = (bytes) => this.uploadedBytes.inc(bytes);
  }

  /** One answered request; `route` is the matched route template or UNMATCHED_ROUTE. */
  recordRequest(method: string, route: string, status: number, seconds: number): void {
    if (!this.enabled) return;
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.durations.observe(labels, seconds);
  }

  /** Runs one upload's storage write, counted in `stowage_uploads_in_flight` while it streams. */
  async measureUpload<T>(write: () => Promise<T>): Promise<T> {
    if (!this.enabled) return write();
    this.uploadsInFlight.inc();
    try {
      return await write();
    } finally {
      this.uploadsInFlight.dec();
    }
  }

  /** Counts the bytes of a download as they flow; call once its consumer is attached (a listener never starts the flow). */
  meterDownload(content: Readable): void {
    if (this.enabled) content.on('data', (chunk: Buffer) => this.downloadedBytes.inc(chunk.length));
  }

  /** An error answer, counted when its code is a storage, database or internal failure. */
  countError(code: ErrorCode): void {
    if (this.enabled && COUNTED_ERRORS.has(code)) this.errors.inc({ code });
  }

  /** One sweeper run and how many things it removed; `kind` names the sweeper (e.g. `expired_uploads`). */
  recordSweep(kind: string, removed: number): void {
    if (!this.enabled) return;
    this.sweeps.inc({ kind, outcome: 'ok' });
    this.swept.inc({ kind }, removed);
  }

  /** A sweeper run that failed (it is retried by the next). */
  recordSweepFailure(kind: string): void {
    if (this.enabled) this.sweeps.inc({ kind, outcome: 'failed' });
  }

  /** Work outside any request that failed (it is retried or logged), by kind. */
  countBackgroundFailure(kind: string): void {
    if (this.enabled) this.backgroundFailures.inc({ kind });
  }

  /** One webhook delivery attempt and how it ended. */
  recordWebhookAttempt(event: string, outcome: 'delivered' | 'retry' | 'failed'): void {
    if (this.enabled) this.webhookAttempts.inc({ event, outcome });
  }

  /** The exposition, in the Prometheus text format. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
