import type { OpenAPIObject } from '@nestjs/swagger';
import { dialectOf } from '../common/errors/api-dialect.js';
import { errorContent } from '../common/openapi/api-errors.decorator.js';

type Responses = Record<string, { description: string; headers?: Record<string, unknown>; content?: Record<string, unknown> }>;

const seconds = (description: string) => ({ description, schema: { type: 'integer', minimum: 1 } });

const TOO_MANY = {
  description: 'TOO_MANY_REQUESTS: over RATE_LIMIT_PER_MINUTE (per user, or per client address when anonymous; see docs/rate-limits.md)',
  headers: {
    'Retry-After': seconds('Seconds until the caller may try again'),
    'X-RateLimit-Limit': { description: 'Requests allowed per minute', schema: { type: 'integer' } },
    'X-RateLimit-Remaining': { description: 'Always 0 here', schema: { type: 'integer' } },
    'X-RateLimit-Reset': seconds('Seconds until the limit resets'),
  },
};

const STORE_DOWN = 'RATE_LIMIT_STORE_UNAVAILABLE: with REDIS_URL, Redis is out of reach; retry after Retry-After';

/**
 * The global rate-limit guard can answer any route (but the exempt health check and metrics) with 429, and with 503 while its
 * Redis is away: added here to every operation, in the error shape of the operation's dialect, rather than on each
 * controller method.
 */
export function documentRateLimits(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    // HealthController is exempt (@SkipThrottle), whatever probes it gains; so is MetricsController.
    if (path === '/health' || path.startsWith('/health/') || path === '/metrics') continue;
    const dialect = dialectOf(path);
    for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const responses = operation.responses as Responses;
      responses['429'] = { ...TOO_MANY, ...responses['429'], headers: TOO_MANY.headers, content: errorContent(dialect, 429) };
      const unavailable = responses['503'];
      if (!unavailable)
        responses['503'] = {
          description: STORE_DOWN,
          headers: { 'Retry-After': seconds('Seconds to wait') },
          content: errorContent(dialect, 503),
        };
      else if (!unavailable.description.includes('RATE_LIMIT_STORE_UNAVAILABLE')) unavailable.description += `; or ${STORE_DOWN}`;
    }
  }
  return document;
}
