import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { ChunkedUploadService } from './chunked-upload.service.js';

/** Removes abandoned chunked uploads: once at start, then every so often (at most every 15 minutes). */
@Injectable()
export class UploadSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UploadSweeper.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly uploads: ChunkedUploadService,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    void this.sweep();
    const everyMs = Math.min(this.config.uploads.expirySeconds * 500, 15 * 60 * 1000);
    // unref: a pending sweep never keeps the process (or a test run) alive.
    this.timer = setInterval(() => void this.sweep(), Math.max(everyMs, 1000)).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One sweep; never throws (a failed sweep is retried by the next). Returns the number of uploads removed. */
  async sweep(): Promise<number> {
    try {
      const removed = await this.uploads.sweepExpired();
      this.metrics.recordSweep('expired_uploads', removed);
      return removed;
    } catch (error) {
      this.logger.warn(`Sweeping expired uploads failed: ${String(error)}`);
      this.metrics.recordSweepFailure('expired_uploads');
      return 0;
    }
  }
}
