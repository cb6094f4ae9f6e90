import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Level, Logger as Pino } from 'pino';
import { requestContext } from './request-context.js';

declare module 'http' {
  interface IncomingMessage {
    /** The request id httpLogger assigns (X-Request-Id when valid), which the error filter and the logs read. */
    id?: string;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function levelOf(statusCode: number, aborted: boolean): Level {
  if (statusCode >= 500) return 'error';
  return aborted || statusCode >= 400 ? 'warn' : 'info';
}

/**
 * One access-log line per request, with a request id (the caller's X-Request-Id when sane) echoed back.
 * Written by hand rather than with pino-http, which builds a child logger and its listeners for every request even
 * when the access log is off; on small requests that showed in the profile (docs/performance.md).
 */
export function httpLogger(logger: Pino) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = requestId;
    res.setHeader('X-Request-Id', requestId);
    const started = performance.now();
    res.once('close', () => {
      const aborted = !res.writableFinished;
      const level = levelOf(res.statusCode, aborted);
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          reqId: requestId,
          req: { method: req.method, url: req.originalUrl },
          res: { statusCode: res.statusCode },
          responseTime: Math.round(performance.now() - started),
        },
        aborted ? 'request aborted' : 'request completed',
      );
    });
    requestContext.run({ requestId }, next);
  };
}
