import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { Public } from '../auth/decorators/auth.decorators.js';

/** Terminus' health check result. */
const HEALTH = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
    info: { type: 'object', additionalProperties: true },
    error: { type: 'object', additionalProperties: true },
    details: { type: 'object', additionalProperties: true },
  },
};

@ApiTags('health')
// Load balancers poll it: never rate limited.
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness and database readiness (503 when the database is unreachable)' })
  @ApiOkResponse({ description: '`{status: "ok", info: {database: {status: "up"}}}`', content: { 'application/json': { schema: HEALTH } } })
  @ApiErrors('molgenis', [503], { 503: 'The database is unreachable (problem+json, as every error of the native API)' })
  check() {
    return this.health.check([() => this.db.pingCheck('database', { timeout: 2000 })]);
  }
}
