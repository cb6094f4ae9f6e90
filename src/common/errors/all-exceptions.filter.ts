import { ArgumentsHost, Catch, ExceptionFilter, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MetricsService } from '../../metrics/metrics.service.js';
import { lingerAfterAnswer } from '../http/lingering-close.js';
import { dialectOf } from './api-dialect.js';
import { DomainError } from './domain-error.js';
import { ErrorCode } from './error-code.js';
import { renderError } from './error-body.js';
import { toApiError } from './to-api-error.js';

/** The one place where failures become HTTP answers, in the shape of the API that was called. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  constructor(private readonly metrics: MetricsService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof ServiceUnavailableException && req.path.startsWith('/health')) {
      // A failed health check: terminus' own report says which check is down (database, storage, accepting); as a
      // problem document it would be reduced to one code that names the wrong dependency half the time.
      res.status(503).set('Retry-After', '5').json(exception.getResponse());
      return;
    }
    const error = toApiError(exception);
    this.metrics.countError(error.code);
    // A client that hung up mid-body is no fault here (toApiError tells its reset from a database's).
    if (error.code === ErrorCode.UploadAborted) {
      this.logger.warn({ code: error.code, path: req.originalUrl }, `${req.method} ${req.originalUrl}: the client aborted the upload`);
    }
    // A 507 for a quota is the caller's limit, not a fault here: the quota service logs the refusal.
    if (error.status >= 500 && error.code !== ErrorCode.QuotaExceeded) {
      // A refusal of ours with Retry-After (busy, a dependency away) says all in one line; anything else logs its stack.
      const expected = exception instanceof DomainError && (error.status === 503 || error.code === ErrorCode.StorageInconsistent);
      this.logger.error(
        expected ? { code: error.code, path: req.originalUrl } : { err: error.cause ?? exception, path: req.originalUrl },
        `${req.method} ${req.originalUrl} failed: ${error.code}`,
      );
    }
    if (res.headersSent) {
      // Mid-stream failure: the status is gone; cutting the connection is the only honest signal left.
      res.destroy();
      return;
    }
    if (error.status === 401 && !error.headers['WWW-Authenticate']) {
      error.headers['WWW-Authenticate'] =
        `Bearer realm="stowage", error="invalid_token", error_description="${error.message.replace(/["\\]/g, "'")}"`;
    }
    const rendered = renderError(dialectOf(req.path), error, {
      path: req.originalUrl,
      requestId: typeof req.id === 'string' && req.id !== '' ? req.id : undefined,
    });
    // A body that was not read must not be parsed as the next request on a kept-alive socket.
    if (!req.complete) {
      res.setHeader('Connection', 'close');
      lingerAfterAnswer(res.socket);
    }
    res.status(error.status).set(error.headers).type(rendered.contentType).send(JSON.stringify(rendered.body));
  }
}
