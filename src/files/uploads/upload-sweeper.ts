import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../../config/app-config.js';
import { SweepStats } from '../orphans/sweep-stats.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { ChunkedUploadService } from './chunked-upload.service.js';

/**
 * Removes abandoned chunked uploads: once at start, then every so often (half of UPLOAD_EXPIRY_SECONDS, at most every
 * 15 minutes), on its own schedule since an expiry can be far shorter than SWEEP_INTERVAL_SECONDS. Needs no lock:
 * one DELETE takes each session (see UploadSessionsRepository.deleteExpired).
 */
@Injectable()
export class UploadSweeper implements OnApplicationBootstrap {
  private readonly logger = new Logger(UploadSweeper.name);

  constructor(
    private readonly uploads: ChunkedUploadService,
    private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly stats: SweepStats,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    void this.sweep();
    const everyMs = Math.min(this.config.uploads.expirySeconds * 500, 15 * 60 * 1000);
    // unref: a pending sweep never keeps the process (or a test run) alive. ScheduleModule clears it on shutdown.
    this.scheduler.addInterval(UploadSweeper.name, setInterval(() => void this.sweep(), Math.max(everyMs, 1000)).unref());
  }

  /** One sweep; never throws (a failed sweep is retried by the next). Returns the number of uploads removed. */
  async sweep(): Promise<number> {
    try {
      const removed = await this.uploads.sweepExpired();
      this.stats.countRemoved({ uploadSessions: removed });
      this.metrics.recordSweep('expired_uploads', removed);
      return removed;
    } catch (error) {
      this.logger.warn(`Sweeping expired uploads failed: ${String(error)}`);
      this.metrics.recordSweepFailure('expired_uploads');
      return 0;
    }
  }
}
