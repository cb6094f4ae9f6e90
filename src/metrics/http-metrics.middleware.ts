import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { performance } from 'node:perf_hooks';
import { MetricsService, UNMATCHED_ROUTE } from './metrics.service.js';

/** The route template Express matched (Nest registers each route with its full path, e.g. `/api/files/:id`). */
export function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? path : UNMATCHED_ROUTE;
}

/**
 * Counts and times every request, labelled by its route template: installed first, so that the time covers body
 * parsing and guards, and refused requests (401, unknown paths) are counted too. 'close' fires for finished and for
 * cut-off responses alike.
 */
export function httpMetricsMiddleware(metrics: MetricsService): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = performance.now();
    res.once('close', () => metrics.recordRequest(req.method, routeOf(req), res.statusCode, (performance.now() - start) / 1000));
    next();
  };
}
