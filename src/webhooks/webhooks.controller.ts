import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { RequirePermission } from '../auth/decorators/auth.decorators.js';
import { Permission } from '../permissions/permissions.js';
import { ApiAuth } from '../common/openapi/api-auth.decorator.js';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { ValidateDto } from '../common/validation/validate-dto.pipe.js';
import { PageQueryDto } from '../common/paging/page-query.dto.js';
import type { DeliveryStatus, WebhookDelivery } from './webhook-deliveries.repository.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';

const STATUSES: DeliveryStatus[] = ['pending', 'delivered', 'failed'];

export class DeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES, { message: `status must be one of ${STATUSES.join(', ')}` })
  status?: DeliveryStatus;
}

const toDeliveryDto = (d: WebhookDelivery) => ({
  id: d.id,
  eventId: d.eventId,
  event: d.eventType,
  url: d.url,
  status: d.status,
  attempts: d.attempts,
  createdAt: d.createdAt.toISOString(),
  lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
  nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  results: d.history,
  payload: d.payload,
});

@ApiTags('webhooks')
@ApiAuth()
@RequirePermission(Permission.UserManage)
@Controller('api/webhooks')
export class WebhooksController {
  constructor(private readonly deliveries: WebhookDeliveriesRepository) {}

  @Get('deliveries')
  @ApiOperation({ summary: 'Webhook deliveries (admin), newest first, with their attempts and results; see docs/webhooks.md' })
  @ApiOkResponse({
    description: '`{items, total, limit, offset}`: the deliveries, with their attempts (`results`) and payload',
    schema: {
      type: 'object',
      required: ['items', 'total', 'limit', 'offset'],
      properties: {
        items: { type: 'array', items: { type: 'object', required: ['id', 'event', 'url', 'status', 'attempts'] } },
        total: { type: 'integer' },
        limit: { type: 'integer' },
        offset: { type: 'integer' },
      },
    },
  })
  @ApiErrors('molgenis', [400, 401, 403])
  async list(@Query(ValidateDto) query: DeliveriesQueryDto) {
    const [items, total] = await this.deliveries.list(query.status, query.limit, query.offset);
    return { items: items.map(toDeliveryDto), total, limit: query.limit, offset: query.offset };
  }
}
