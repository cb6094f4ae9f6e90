import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AppConfig } from '../config/app-config.js';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * GET /metrics on the main port: only with METRICS_TOKEN set (else 404, as if the route did not exist), and only for
 * `Authorization: Bearer <METRICS_TOKEN>`. Users' JWTs and API tokens are not accepted: scraping is not a user's act.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(config: AppConfig) {
    if (config.metrics.token !== undefined) this.expected = digest(config.metrics.token);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (!this.expected) throw new DomainError(ErrorCode.NotFound, `Cannot ${req.method} ${req.path}`);
    const given = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    // Digests of equal length, compared in constant time: neither the token nor its length leaks through timing.
    if (given === undefined || !timingSafeEqual(digest(given), this.expected)) {
      throw new DomainError(ErrorCode.Unauthenticated, 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.', {
        'WWW-Authenticate': 'Bearer realm="stowage-metrics"',
      });
    }
    return true;
  }
}
