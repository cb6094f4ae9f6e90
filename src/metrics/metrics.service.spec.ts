import { describe, expect, it } from '@jest/globals';
import type { Request } from 'express';
import { ErrorCode } from '../common/errors/error-code.js';
import { loadConfig } from '../config/load-config.js';
import { routeOf } from './http-metrics.middleware.js';
import { MetricsService } from './metrics.service.js';

const on = () => new MetricsService(loadConfig({ METRICS_TOKEN: 'a-token-of-sixteen-or-more' }));

describe('MetricsService', () => {
  it('off (no METRICS_TOKEN, no METRICS_PORT): records nothing and collects no process metrics', async () => {
    const metrics = new MetricsService(loadConfig({}));
    expect(metrics.enabled).toBe(false);
    expect(metrics.uploadByteCounter).toBeUndefined();
    metrics.recordRequest('GET', '/api/files/:id', 200, 0.01);
    metrics.countError(ErrorCode.Internal);
    metrics.recordSweep('expired_uploads', 3);
    const { body } = await metrics.render();
    expect(body).not.toMatch(/^http_requests_total\{/m);
    expect(body).not.toMatch(/^stowage_errors_total\{/m);
    expect(body).not.toMatch(/^stowage_sweep_removed_total\{/m);
    expect(body).not.toContain('process_cpu_user_seconds_total');
  });

  it('counts only failures of ours as errors, by code', async () => {
    const metrics = on();
    metrics.countError(ErrorCode.NotFound);
    metrics.countError(ErrorCode.Unauthenticated);
    metrics.countError(ErrorCode.StorageUnavailable);
    metrics.countError(ErrorCode.StorageUnavailable);
    const { body } = await metrics.render();
    expect(body).toContain('stowage_errors_total{code="STORAGE_UNAVAILABLE"} 2');
    expect(body).not.toContain('code="NOT_FOUND"');
    expect(body).not.toContain('code="UNAUTHENTICATED"');
  });

  it('keeps a registry per instance: two services never share a counter', async () => {
    const [a, b] = [on(), on()];
    a.recordRequest('GET', '/health', 200, 0.001);
    expect((await a.render()).body).toContain('http_requests_total{method="GET",route="/health",status="200"} 1');
    expect((await b.render()).body).not.toMatch(/^http_requests_total\{/m);
  });
});

describe('routeOf', () => {
  it('is the matched route template, or "unmatched"', () => {
    expect(routeOf({ route: { path: '/api/files/:id' } } as unknown as Request)).toBe('/api/files/:id');
    expect(routeOf({} as Request)).toBe('unmatched');
    expect(routeOf({ route: { path: /regex/ } } as unknown as Request)).toBe('unmatched');
  });
});
