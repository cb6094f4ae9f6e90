import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/decorators/auth.decorators.js';
import { DrainService } from './drain.service.js';
import { StorageProvider } from '../storage/storage-provider.js';

const CHECK_TIMEOUT_MS = 2000;

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
    private readonly indicators: HealthIndicatorService,
    private readonly storage: StorageProvider,
    private readonly drain: DrainService,
  ) {}

  @Public()
  @Get()
  // Documented here, not by terminus: it adds its own schemas only where it can require() @nestjs/swagger (an ES
  // module, so on Node 24 but not on Node 20), which would make the document depend on the Node version.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ summary: 'Liveness and database readiness (503 when the database is unreachable)' })
  @ApiOkResponse({ description: '`{status: "ok", info: {database: {status: "up"}}}`', content: { 'application/json': { schema: HEALTH } } })
  @ApiServiceUnavailableResponse({ description: 'The database is unreachable', content: { 'application/json': { schema: HEALTH } } })
  check() {
    return this.health.check([() => this.db.pingCheck('database', { timeout: CHECK_TIMEOUT_MS })]);
  }

  @Public()
  @Get('live')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ summary: 'Liveness: the process answers (also while it drains at shutdown); checks no dependency' })
  @ApiOkResponse({ description: '`{status: "ok", info: {}}`', content: { 'application/json': { schema: HEALTH } } })
  live() {
    return this.health.check([]);
  }

  @Public()
  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ summary: 'Readiness: database and storage reachable and not shutting down (503 otherwise)' })
  @ApiOkResponse({
    description: '`{status: "ok", info: {accepting: {status: "up"}, database: {status: "up"}, storage: {status: "up"}}}`',
    content: { 'application/json': { schema: HEALTH } },
  })
  @ApiServiceUnavailableResponse({
    description: 'The database or storage is unreachable, or the instance is draining',
    content: { 'application/json': { schema: HEALTH } },
  })
  ready() {
    return this.health.check([
      () => {
        const accepting = this.indicators.check('accepting');
        return this.drain.draining ? accepting.down('shutting down') : accepting.up();
      },
      () => this.db.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
      () =>
        this.indicators
          .check('storage')
          .attempt(() => this.storage.ping())
          .withTimeout(CHECK_TIMEOUT_MS),
    ]);
  }
}
