import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { RetentionPruner } from '../database/retention-pruner.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AuditRepository } from './audit.repository.js';

/** Removes audit entries older than AUDIT_RETENTION_DAYS every AUDIT_PRUNE_INTERVAL_SECONDS. */
@Injectable()
export class AuditPruner extends RetentionPruner {
  constructor(db: DataSource, entries: AuditRepository, config: AppConfig, scheduler: SchedulerRegistry, metrics: MetricsService) {
    super(
      {
        what: 'audit entries',
        kind: 'audit_entries',
        lockName: 'stowage:audit-prune',
        retentionDays: config.audit.retentionDays,
        intervalSeconds: config.audit.pruneIntervalSeconds,
        removeBefore: (before) => entries.pruneBefore(before),
      },
      db,
      scheduler,
      metrics,
    );
  }
}
