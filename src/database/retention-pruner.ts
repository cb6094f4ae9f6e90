import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service.js';
import { withAdvisoryLock } from './advisory-lock.js';

/** What one retention job removes, how old, how often, and under which advisory lock. */
export interface RetentionJob {
  /** Plural, for the log ("audit entries"); `kind` labels its metrics. */
  what: string;
  kind: string;
  lockName: string;
  retentionDays: number;
  /** 0: never on its own. */
  intervalSeconds: number;
  /** Removes the rows older than `before`; answers how many. */
  removeBefore(before: Date): Promise<number>;
}

/**
 * Runs a retention job every `intervalSeconds`. Of several instances only the one holding the advisory lock runs a
 * round; the others skip it. Rounds never overlap, and shutdown waits for the one running.
 */
export abstract class RetentionPruner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(this.constructor.name);
  private running: Promise<unknown> = Promise.resolve();

  protected constructor(
    private readonly job: RetentionJob,
    private readonly db: DataSource,
    private readonly scheduler: SchedulerRegistry,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    const everyMs = this.job.intervalSeconds * 1000;
    if (everyMs === 0) return;
    // unref: a pending round never keeps the process alive; ScheduleModule clears it on shutdown.
    this.scheduler.addInterval(this.constructor.name, setInterval(() => void this.prune(), everyMs).unref());
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.running;
  }

  /** One round; answers how many rows it removed (undefined: another instance held the lock, or it failed). */
  prune(): Promise<number | undefined> {
    const run = this.running.then(() => this.pruneOnce());
    this.running = run;
    return run;
  }

  private async pruneOnce(): Promise<number | undefined> {
    const { what, kind, lockName, retentionDays } = this.job;
    const before = new Date(Date.now() - retentionDays * 86_400_000);
    try {
      const run = await withAdvisoryLock(this.db, lockName, () => this.job.removeBefore(before));
      if (!run.acquired) return undefined;
      if (run.result > 0) this.logger.log(`Pruned ${run.result} ${what} older than ${before.toISOString()}`);
      this.metrics.recordSweep(kind, run.result);
      return run.result;
    } catch (error) {
      this.metrics.recordSweepFailure(kind);
      this.logger.warn(`Pruning ${what} failed (the next round tries again): ${String(error)}`);
      return undefined;
    }
  }
}
