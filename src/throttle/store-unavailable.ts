import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';

/** What a limited request answers while the counters' Redis is out of reach: retry soon, the service recovers alone. */
export const storeUnavailable = () =>
  new DomainError(ErrorCode.RateLimitStoreUnavailable, 'The rate-limit store (Redis) is unavailable; try again shortly.', {
    'Retry-After': '5',
  });
