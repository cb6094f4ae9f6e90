import type { OpenAPIObject } from '@nestjs/swagger';
import { dialectOf } from '../errors/api-dialect.js';
import { errorContent } from './api-errors.decorator.js';

const WHEN = "the identity provider's keys cannot be fetched, so its token cannot be checked (IDENTITY_PROVIDER_UNAVAILABLE)";
const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete'] as const;

/**
 * With an identity provider (JWT_JWKS_URI), every route that takes credentials may answer 503 while its keys cannot
 * be fetched: this adds that answer, in the route's dialect, to every operation with a security requirement.
 */
export function documentIdentityProviderOutage(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation?.security?.length) continue;
      const existing = operation.responses['503'] as { description?: string } | undefined;
      if (existing) {
        existing.description = `${existing.description}; or ${WHEN}`;
        continue;
      }
      operation.responses['503'] = {
        description: `The service cannot answer now: ${WHEN}; retry after Retry-After seconds`,
        headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } },
        content: errorContent(dialectOf(path), 503),
      };
    }
  }
}
