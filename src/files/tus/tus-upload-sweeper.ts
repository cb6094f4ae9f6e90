import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { TusUploadsService } from './tus-uploads.service.js';

/** Removes expired resumable uploads, bytes and all: once at start, then every so often (at most every 15 minutes). */
@Injectable()
export class TusUploadSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TusUploadSweeper.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly uploads: TusUploadsService,
    private readonly config: AppConfig,
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
      return await this.uploads.sweepExpired();
    } catch (error) {
      this.logger.warn(`Sweeping expired resumable uploads failed: ${String(error)}`);
      return 0;
    }
  }
}
