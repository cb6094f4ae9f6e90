import { LoggerService } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';
import { requestContext } from './request-context.js';

/** Nest's logger, as JSON lines through pino, each stamped with the request id when there is one. */
export class PinoLogger implements LoggerService {
  readonly pino: Pino;

  constructor(level: string) {
    this.pino = pino({
      level,
      base: { service: 'stowage' },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => {
        const ctx = requestContext.getStore();
        return ctx ? { reqId: ctx.requestId } : {};
      },
    });
  }

  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, traceOrContext?: string, context?: string) {
    this.write('error', message, context ?? traceOrContext);
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string) {
    this.write('fatal', message, context);
  }

  private write(level: pino.Level, message: unknown, context?: string) {
    if (message instanceof Error) this.pino[level]({ context, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[level]({ context, ...message });
    else this.pino[level]({ context }, String(message));
  }
}
