import { Injectable, Logger } from '@nestjs/common';

/** What the sweepers remove: storage objects no row references, partial writes, unfinished upload sessions. */
export type SweepKind = 'objects' | 'partialWrites' | 'uploadSessions';

export type Removed = Record<SweepKind, number>;

/** One run of the orphan sweeper. `skipped`: another instance held the sweep lock; `failed`: see the log. */
export interface SweepReport {
  outcome: 'swept' | 'skipped' | 'failed';
  startedAt: Date;
  finishedAt: Date;
  removed: Removed;
}

export interface SweepTotals {
  /** Orphan sweeps that ran (took the lock), were skipped (another instance had it), or failed. */
  runs: number;
  skipped: number;
  failed: number;
  /** Everything removed since start, by kind, by either sweeper (orphans, expired uploads). */
  removed: Removed;
  last?: SweepReport;
}

export const noneRemoved = (): Removed => ({ objects: 0, partialWrites: 0, uploadSessions: 0 });

/**
 * Counts of what the sweepers did since this process started, for metrics to read (`totals()`) or follow
 * (`onSweep`): the numbers are this instance's own; sum them over instances.
 */
@Injectable()
export class SweepStats {
  private readonly logger = new Logger(SweepStats.name);
  private readonly current: SweepTotals = { runs: 0, skipped: 0, failed: 0, removed: noneRemoved() };
  private readonly listeners = new Set<(report: SweepReport) => void>();

  totals(): SweepTotals {
    return { ...this.current, removed: { ...this.current.removed } };
  }

  /** Called after every orphan sweep; answers a function that unsubscribes. */
  onSweep(listener: (report: SweepReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recordSweep(report: SweepReport): void {
    if (report.outcome === 'swept') this.current.runs++;
    else if (report.outcome === 'skipped') this.current.skipped++;
    else this.current.failed++;
    this.current.last = report;
    this.countRemoved(report.removed);
    for (const listener of this.listeners) {
      try {
        listener(report);
      } catch (error) {
        this.logger.warn(`A sweep listener failed: ${String(error)}`);
      }
    }
  }

  countRemoved(removed: Partial<Removed>): void {
    for (const kind of Object.keys(removed) as SweepKind[]) this.current.removed[kind] += removed[kind] ?? 0;
  }
}
