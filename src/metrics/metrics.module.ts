import { Global, Module } from '@nestjs/common';
import { MetricsServer } from './metrics-server.js';
import { MetricsTokenGuard } from './metrics-token.guard.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus metrics (METRICS_TOKEN / METRICS_PORT): MetricsService is global, so any module can count. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, MetricsServer, MetricsTokenGuard],
  exports: [MetricsService],
})
export class MetricsModule {}
