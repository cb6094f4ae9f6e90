import { AsyncLocalStorage } from 'node:async_hooks';
import type { Request } from 'express';

/**
 * Per-request context, so that every log line of a request can carry its id, and the audit trail can say who called
 * from where without each service being handed the request. `request` is kept rather than its address: `req.ip`
 * (as TRUST_PROXY resolves it) is worked out only for requests that are audited.
 */
export const requestContext = new AsyncLocalStorage<{ requestId: string; request?: Request }>();
