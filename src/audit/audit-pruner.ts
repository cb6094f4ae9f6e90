import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { withAdvisoryLock } from '../database/advisory-lock.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AuditRepository } from './audit.repository.js';

const LOCK_NAME = 'stowage:audit-prune';

/**
 * Removes audit entries older than AUDIT_RETENTION_DAYS every AUDIT_PRUNE_INTERVAL_SECONDS. Of several instances only
 * the one holding the advisory lock prunes; the others skip that round.
 */
@Injectable()
export class AuditPruner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditPruner.name);
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: DataSource,
    private readonly entries: AuditRepository,
    private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    const everyMs = this.config.audit.pruneIntervalSeconds * 1000;
    if (everyMs === 0) return;
    // unref: a pending prune never keeps the process alive; ScheduleModule clears it on shutdown.
    this.scheduler.addInterval(AuditPruner.name, setInterval(() => void this.prune(), everyMs).unref());
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.running;
  }

  /** One round; answers how many entries it removed (undefined: another instance held the lock, or it failed). */
  prune(): Promise<number | undefined> {
    const run = this.running.then(() => this.pruneOnce());
    this.running = run;
    return run;
  }

  private async pruneOnce(): Promise<number | undefined> {
    const before = new Date(Date.now() - this.config.audit.retentionDays * 86_400_000);
    try {
      const run = await withAdvisoryLock(this.db, LOCK_NAME, () => this.entries.pruneBefore(before));
      if (!run.acquired) return undefined;
      if (run.result > 0) this.logger.log(`Pruned ${run.result} audit entries older than ${before.toISOString()}`);
      this.metrics.recordSweep('audit_entries', run.result);
      return run.result;
    } catch (error) {
      this.metrics.recordSweepFailure('audit_entries');
      this.logger.warn(`Pruning the audit trail failed (the next round tries again): ${String(error)}`);
      return undefined;
    }
  }
}
