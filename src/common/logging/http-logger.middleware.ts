import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { pinoHttp } from 'pino-http';
import type { Logger as Pino } from 'pino';
import { requestContext } from './request-context.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** One access-log line per request, with a request id (the caller's X-Request-Id when sane) echoed back. */
export function httpLogger(logger: Pino) {
  const log = pinoHttp({
    logger,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    serializers: {
      req: (req) => ({ method: req.method, url: req.url }),
      res: (res) => ({ statusCode: res.statusCode }),
    },
  });
  return (req: Request, res: Response, next: NextFunction) => {
    log(req, res);
    requestContext.run({ requestId: String(req.id) }, next);
  };
}
