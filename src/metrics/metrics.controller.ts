import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { Public } from '../auth/decorators/auth.decorators.js';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { MetricsTokenGuard } from './metrics-token.guard.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('operations')
// Never rate limited: a scrape must still work while Redis (the limits' store) is away, when it matters most.
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  // Public to the JWT guard: MetricsTokenGuard alone decides, against METRICS_TOKEN.
  @Public()
  @UseGuards(MetricsTokenGuard)
  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics of this instance (text format)',
    description:
      'Only when METRICS_TOKEN is set, for `Authorization: Bearer <METRICS_TOKEN>` (user tokens are not accepted); ' +
      'otherwise 404. With METRICS_PORT the same exposition is served, unauthenticated, on that port. ' +
      'Scrape every instance directly, not through the load balancer.',
  })
  @ApiBearerAuth()
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'The exposition (`text/plain; version=0.0.4`)',
    content: {
      'text/plain': { schema: { type: 'string', example: 'http_requests_total{method="GET",route="/api/files/:id",status="200"} 42' } },
    },
  })
  @ApiErrors('molgenis', [401, 404])
  async scrape(@Res() res: Response): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    res.status(200).type(contentType).setHeader('Cache-Control', 'no-store');
    res.send(body);
  }
}
