import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { TusUploadsService } from './tus-uploads.service.js';

/** Removes expired resumable uploads, bytes and all: once at start, then every so often (at most every 15 minutes). */
@Injectable()
export class TusUploadSweeper implements OnApplicationBootstrap {
  private readonly logger = new Logger(TusUploadSweeper.name);

  constructor(
    private readonly uploads: TusUploadsService,
    private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    void this.sweep();
    const everyMs = Math.min(this.config.uploads.expirySeconds * 500, 15 * 60 * 1000);
    // unref: a pending sweep never keeps the process (or a test run) alive. ScheduleModule clears it on shutdown.
    this.scheduler.addInterval(TusUploadSweeper.name, setInterval(() => void this.sweep(), Math.max(everyMs, 1000)).unref());
  }

  /** One sweep; never throws (a failed sweep is retried by the next). Returns the number of uploads removed. */
  async sweep(): Promise<number> {
    try {
      const removed = await this.uploads.sweepExpired();
      this.metrics.recordSweep('expired_tus_uploads', removed);
      return removed;
    } catch (error) {
      this.logger.warn(`Sweeping expired resumable uploads failed: ${String(error)}`);
      this.metrics.recordSweepFailure('expired_tus_uploads');
      return 0;
    }
  }
}
