import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  normalizeIp,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request } from 'express';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AppConfig } from '../config/app-config.js';

/** The authenticated caller as the authentication guard leaves it on the request (only its id matters here). */
interface WithUser {
  user?: { userId?: string };
}

/**
 * `@nestjs/throttler`'s guard, keyed per caller: the user when authenticated, else the client address (as `trust
 * proxy` resolves `req.ip`), with one budget for all routes together. `RateLimitGuard` runs it.
 */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
  ) {
    super(options, storage, reflector);
  }

  protected override getTracker(req: Request & WithUser): Promise<string> {
    const userId = req.user?.userId;
    return Promise.resolve(userId ? `user:${userId}` : `address:${normalizeIp(req.ip ?? '', this.ipv6SubnetPrefix)}`);
  }

  /** One budget per caller for the whole API, not one per route (the throttler's default). */
  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }

  protected override throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const wait = String(Math.max(1, detail.timeToBlockExpire));
    throw new DomainError(ErrorCode.TooManyRequests, `Rate limit exceeded: ${detail.limit} requests per minute; retry in ${wait} s.`, {
      'Retry-After': wait,
      'X-RateLimit-Limit': String(detail.limit),
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': wait,
    });
  }
}

/**
 * Global guard, after the authentication guard: RATE_LIMIT_PER_MINUTE requests per minute per caller (see ApiThrottlerGuard);
 * `@SkipThrottle()` exempts a route. The counters live in Redis with REDIS_URL, else in this process.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly enabled: boolean;

  constructor(
    private readonly throttler: ApiThrottlerGuard,
    config: AppConfig,
  ) {
    this.enabled = config.limits.requestsPerMinute !== undefined;
  }

  // Not async when off, so that Nest need not await a promise on every request (it awaits only a returned promise).
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    return this.enabled ? this.throttler.canActivate(context) : true;
  }
}
