import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { dialectOf } from '../common/errors/api-dialect.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { renderError } from '../common/errors/error-body.js';
import { toApiError } from '../common/errors/to-api-error.js';
import { AppConfig } from '../config/app-config.js';

/** Answered as usual while draining: liveness holds until the process exits, readiness reports the drain itself. */
const ALWAYS_ANSWERED = new Set(['/health/live', '/health/ready']);

/**
 * Graceful shutdown. Nest runs `beforeApplicationShutdown` before it closes the HTTP server and the database pool:
 * from then on readiness and every new request answer 503 (Connection: close, so kept-alive clients go elsewhere),
 * while the requests already in flight get up to SHUTDOWN_GRACE_SECONDS to finish; the stragglers are then cut, so
 * that closing the server does not wait on them.
 */
@Injectable()
export class DrainService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DrainService.name);
  private readonly inFlight = new Set<Response>();
  private drainingSince?: number;
  private idle?: () => void;

  constructor(private readonly config: AppConfig) {}

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** Express middleware, installed first: counts requests in flight, refuses new ones while draining. */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (this.draining) res.setHeader('Connection', 'close');
    if (this.draining && !ALWAYS_ANSWERED.has(req.path)) {
      const error = toApiError(
        new DomainError(ErrorCode.ShuttingDown, 'This instance is shutting down; try again.', { 'Retry-After': '1' }),
      );
      const rendered = renderError(dialectOf(req.path), error, { path: req.originalUrl });
      // The body of a refused upload is not read: the connection cannot carry another request.
      res.status(error.status).set(error.headers).type(rendered.contentType).send(JSON.stringify(rendered.body));
      return;
    }
    this.inFlight.add(res);
    const done = () => {
      this.inFlight.delete(res);
      if (this.inFlight.size === 0) this.idle?.();
    };
    res.once('finish', done).once('close', done);
    next();
  };

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    if (this.draining) return;
    this.drainingSince = Date.now();
    // Answers not yet started close their connection instead of keeping it alive for another request.
    for (const res of this.inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    if (this.inFlight.size === 0) return;
    const graceMs = this.config.http.shutdownGraceSeconds * 1000;
    this.logger.log(`${signal ?? 'Shutdown'}: waiting up to ${graceMs / 1000} s for ${this.inFlight.size} request(s) in flight`);
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.idle = resolve;
      timer = setTimeout(resolve, graceMs);
    });
    clearTimeout(timer);
    if (this.inFlight.size > 0) {
      this.logger.warn(`Shutdown grace over: cutting ${this.inFlight.size} request(s) still in flight`);
      for (const res of this.inFlight) res.destroy();
    }
  }
}
