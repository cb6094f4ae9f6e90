import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config.js';
import { withAdvisoryLock } from '../../database/advisory-lock.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { isStorageKey } from '../../storage/storage-key.js';
import { StorageProvider } from '../../storage/storage-provider.js';
import { ChunkedUploadService } from '../uploads/chunked-upload.service.js';
import { StorageReferences } from './storage-references.js';
import { noneRemoved, Removed, SweepReport, SweepStats } from './sweep-stats.js';

/** One name for the lock on every instance: only its holder sweeps. */
const LOCK_NAME = 'stowage:orphan-sweep';
const PAGE_SIZE = 1000;
/** Deletes in flight at once. */
const DELETE_CONCURRENCY = 16;
/** The first scheduled sweep after start comes no later than this, whatever the interval. */
const FIRST_SWEEP_MAX_DELAY_MS = 60_000;
/**
 * How long after listing an object its row is looked up again, at most. An S3 object written by a multipart upload
 * is dated from the start of that upload, so a long upload's object can look old the moment it completes, a few
 * milliseconds before its row commits: the second lookup comes later than any commit takes.
 */
const RECHECK_DELAY_MAX_MS = 5_000;

/**
 * Removes what a crash can leave behind and nothing references: storage objects without a row, partial writes
 * (temp files, incomplete multipart uploads) and unfinished upload sessions, once older than ORPHAN_MIN_AGE_SECONDS.
 * Runs every SWEEP_INTERVAL_SECONDS on every instance; a PostgreSQL advisory lock lets one sweep at a time. Objects
 * are listed and checked a page at a time (never the whole store in memory), and each is looked up again just
 * before it is deleted, so a committed file's bytes are never removed.
 */
@Injectable()
export class OrphanSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OrphanSweeper.name);
  /** The sweep of this process in progress, if any: sweeps here run one after another. */
  private running: Promise<unknown> = Promise.resolve();
  private busy = false;
  private stopping = false;

  constructor(
    private readonly db: DataSource,
    private readonly storage: StorageProvider,
    private readonly references: StorageReferences,
    private readonly uploads: ChunkedUploadService,
    private readonly stats: SweepStats,
    private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly metrics: MetricsService,
  ) {}

  private get minAgeMs(): number {
    return this.config.orphans.minAgeSeconds * 1000;
  }

  onApplicationBootstrap(): void {
    const everyMs = this.config.orphans.sweepIntervalSeconds * 1000;
    if (everyMs === 0) return;
    const tick = () => {
      // A sweep still going when the next is due: that one is skipped, not queued.
      if (!this.busy) void this.sweep();
    };
    // unref: a pending sweep never keeps the process (or a test run) alive. ScheduleModule clears both on shutdown.
    this.scheduler.addTimeout(`${OrphanSweeper.name}.first`, setTimeout(tick, Math.min(everyMs, FIRST_SWEEP_MAX_DELAY_MS)).unref());
    this.scheduler.addInterval(OrphanSweeper.name, setInterval(tick, everyMs).unref());
  }

  /** Lets a sweep in progress stop after its current page, before the database pool closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  /** One sweep, after any this process is running; never throws (a failure is in the report and the log). */
  sweep(): Promise<SweepReport> {
    const run = this.running.then(() => this.sweepOnce());
    this.running = run;
    return run;
  }

  private async sweepOnce(): Promise<SweepReport> {
    const startedAt = new Date();
    const removed = noneRemoved();
    let outcome: SweepReport['outcome'] = 'swept';
    this.busy = true;
    try {
      if (this.stopping) outcome = 'skipped';
      else {
        const run = await withAdvisoryLock(this.db, LOCK_NAME, () => this.sweepLocked(removed));
        if (!run.acquired) outcome = 'skipped';
      }
    } catch (error) {
      outcome = 'failed';
      this.logger.warn(`Sweeping for orphans failed (the next sweep tries again): ${String(error)}`);
    } finally {
      this.busy = false;
    }
    const report: SweepReport = { outcome, startedAt, finishedAt: new Date(), removed };
    if (outcome === 'skipped') this.logger.debug('Orphan sweep skipped: another instance is sweeping');
    else this.logger.log(`Orphan sweep ${outcome}: removed ${JSON.stringify(removed)}`);
    this.stats.recordSweep(report);
    this.recordMetrics(report);
    return report;
  }

  /** Each kind the sweep removes is a sweeper of its own in the metrics (`stowage_sweeps_total{kind}`). */
  private recordMetrics(report: SweepReport): void {
    for (const [kind, removed] of Object.entries(report.removed)) {
      const label = `orphan_${kind.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
      if (report.outcome === 'swept') this.metrics.recordSweep(label, removed);
      else if (report.outcome === 'failed') this.metrics.recordSweepFailure(label);
    }
  }

  private async sweepLocked(removed: Removed): Promise<void> {
    const cutoff = new Date(Date.now() - this.minAgeMs);
    removed.uploadSessions += await this.uploads.sweepExpired();
    for await (const page of this.storage.list({ pageSize: PAGE_SIZE })) {
      if (this.stopping) return;
      removed.objects += await this.removeOrphanedObjects(page, cutoff);
    }
    for await (const page of this.storage.listPartialWrites(cutoff, { pageSize: PAGE_SIZE })) {
      if (this.stopping) return;
      // Keys some row references are uploads in progress of another kind (they track their own expiry).
      const referenced = await this.references.referenced(page.flatMap((partial) => (partial.key ? [partial.key] : [])));
      const idle = page.filter((partial) => partial.key === undefined || (isStorageKey(partial.key) && !referenced.has(partial.key)));
      await this.inBatches(idle, (partial) => this.storage.removePartialWrite(partial));
      if (idle.length > 0) {
        removed.partialWrites += idle.length;
        this.logger.log(
          `Removed ${idle.length} partial write(s) idle since before ${cutoff.toISOString()}: ` +
            idle.map((partial) => (partial.key ? `${partial.key} (${partial.id})` : partial.id)).join(', '),
        );
      }
    }
  }

  /** Deletes the objects of one page that are old enough and that no row references, twice looked up. */
  private async removeOrphanedObjects(page: { key: string; lastModified: Date }[], cutoff: Date): Promise<number> {
    const listedAt = Date.now();
    // Keys of another shape were not made by this server: not ours to judge.
    const old = page.filter((object) => object.lastModified < cutoff && isStorageKey(object.key)).map((object) => object.key);
    if (old.length === 0) return 0;
    const referenced = await this.references.referenced(old);
    const candidates = old.filter((key) => !referenced.has(key));
    if (candidates.length === 0) return 0;
    const recheckDelay = Math.min(RECHECK_DELAY_MAX_MS, this.minAgeMs / 10) - (Date.now() - listedAt);
    if (recheckDelay > 0) await sleep(recheckDelay);
    const nowReferenced = await this.references.referenced(candidates);
    const orphans = candidates.filter((key) => !nowReferenced.has(key));
    await this.inBatches(orphans, (key) => this.storage.delete(key));
    if (orphans.length > 0) {
      this.logger.log(
        `Removed ${orphans.length} orphaned object(s), older than ${this.config.orphans.minAgeSeconds} s with no row: ${orphans.join(', ')}`,
      );
    }
    return orphans.length;
  }

  private async inBatches<T>(items: T[], action: (item: T) => Promise<void>): Promise<void> {
    for (let i = 0; i < items.length; i += DELETE_CONCURRENCY) await Promise.all(items.slice(i, i + DELETE_CONCURRENCY).map(action));
  }
}
