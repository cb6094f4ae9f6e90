import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { RetentionPruner } from '../database/retention-pruner.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';

/**
 * Removes deliveries that ended (delivered, or failed for good) and were queued more than WEBHOOK_RETENTION_DAYS ago,
 * every WEBHOOK_PRUNE_INTERVAL_SECONDS; a pending delivery is kept however old.
 */
@Injectable()
export class WebhookPruner extends RetentionPruner {
  constructor(
    db: DataSource,
    deliveries: WebhookDeliveriesRepository,
    config: AppConfig,
    scheduler: SchedulerRegistry,
    metrics: MetricsService,
  ) {
    super(
      {
        what: 'ended webhook deliveries',
        kind: 'webhook_deliveries',
        lockName: 'stowage:webhook-prune',
        retentionDays: config.webhooks.retentionDays,
        intervalSeconds: config.webhooks.pruneIntervalSeconds,
        removeBefore: (before) => deliveries.pruneEndedBefore(before),
      },
      db,
      scheduler,
      metrics,
    );
  }
}
