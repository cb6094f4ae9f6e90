import { HttpException } from '@nestjs/common';
import { DomainError } from './domain-error.js';
import { ERROR_STATUS, ErrorCode } from './error-code.js';

/** Any thrown value, reduced to what an error response needs. */
export interface ApiError {
  status: number;
  code: ErrorCode;
  message: string;
  headers: Record<string, string>;
  /** Set when the error is ours to hide (a bug): the original goes to the log, never to the client. */
  cause?: unknown;
}

const CODE_FOR_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  409: ErrorCode.Conflict,
  412: ErrorCode.PreconditionFailed,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  416: ErrorCode.RangeNotSatisfiable,
  429: ErrorCode.TooManyRequests,
  503: ErrorCode.DatabaseUnavailable,
  507: ErrorCode.StorageFull,
};

// Connection-level failures of pg / the network: the database is down or restarting, not a bug of ours.
const NETWORK_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const POOL_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not currently accepting connections|Client has encountered a connection error/;

type MaybeDatabaseError = { code?: unknown; message?: unknown; driverError?: { code?: unknown }; cause?: unknown };

/** The error or what caused it (an authentication guard wraps the lookup that failed, for one). */
function isDatabaseUnavailable(error: MaybeDatabaseError, depth = 0): boolean {
  if (isConnectionFailure(error)) return true;
  const cause = error.cause as MaybeDatabaseError | undefined;
  return depth < 3 && typeof cause === 'object' && cause !== null && isDatabaseUnavailable(cause, depth + 1);
}

function isConnectionFailure(error: MaybeDatabaseError): boolean {
  const raw = error.code ?? error.driverError?.code;
  const code = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : '';
  // SQLSTATE classes 08 (connection exception), 57P (operator intervention: shutdown), 53 (out of resources).
  return NETWORK_ERRNOS.has(code) || /^(08|57P|53)/.test(code) || (typeof error.message === 'string' && POOL_MESSAGES.test(error.message));
}

/** The error an IncomingMessage is destroyed with when its client aborts (`aborted`, ECONNRESET). */
export function isClientAbort(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === 'ECONNRESET' && e.message === 'aborted';
}

function fromHttpException(error: HttpException): ApiError {
  const status = error.getStatus();
  const body = error.getResponse();
  let message = error.message;
  if (typeof body === 'object' && body !== null && 'message' in body) {
    const m = body.message;
    message = Array.isArray(m) ? m.join('; ') : String(m);
  }
  return {
    status,
    code: CODE_FOR_STATUS[status] ?? (status >= 500 ? ErrorCode.Internal : ErrorCode.ValidationFailed),
    message,
    headers: {},
  };
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof DomainError) {
    return { status: ERROR_STATUS[error.code], code: error.code, message: error.message, headers: error.headers };
  }
  if (error instanceof HttpException) return fromHttpException(error);

  const e = error as { status?: unknown; statusCode?: unknown; expose?: unknown; type?: unknown; code?: unknown; message?: unknown };
  // body-parser and http-errors: client errors that are safe to show.
  const status = Number(e?.status ?? e?.statusCode);
  if (e?.expose === true && status >= 400 && status < 500) {
    const message = e.type === 'entity.parse.failed' ? 'The request body is not valid JSON.' : String(e.message);
    return { status, code: CODE_FOR_STATUS[status] ?? ErrorCode.ValidationFailed, message, headers: {} };
  }
  // Node's own error on a request body the client stopped sending: an ECONNRESET, but of the client's socket.
  if (isClientAbort(error)) {
    return { status: 400, code: ErrorCode.UploadAborted, message: 'The client went away before the upload finished.', headers: {} };
  }
  if (e && isDatabaseUnavailable(e)) {
    return {
      status: 503,
      code: ErrorCode.DatabaseUnavailable,
      message: 'The database is unavailable; try again shortly.',
      headers: { 'Retry-After': '5' },
      cause: error,
    };
  }
  if (e?.code === 'ENOSPC' || e?.code === 'EDQUOT') {
    return { status: 507, code: ErrorCode.StorageFull, message: 'The storage is full.', headers: {}, cause: error };
  }
  return { status: 500, code: ErrorCode.Internal, message: 'An unexpected error occurred.', headers: {}, cause: error };
}
