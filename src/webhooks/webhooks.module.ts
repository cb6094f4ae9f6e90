import { Module } from '@nestjs/common';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookOutbox } from './webhook-outbox.js';
import { WebhookPruner } from './webhook-pruner.js';
import { WebhooksController } from './webhooks.controller.js';

/** Signed webhooks from an outbox table (docs/webhooks.md): repositories queue through WebhookOutbox. */
@Module({
  controllers: [WebhooksController],
  providers: [WebhookOutbox, WebhookDeliveriesRepository, WebhookDispatcher, WebhookPruner],
  exports: [WebhookOutbox],
})
export class WebhooksModule {}
