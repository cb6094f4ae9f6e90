import { AsyncLocalStorage } from 'node:async_hooks';

/** Per-request context, so that every log line of a request can carry its id. */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();
