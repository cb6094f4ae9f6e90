import { ErrorCode } from './error-code.js';

/** An expected failure with a stable code; services throw these, the global filter renders them. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers (e.g. `Content-Range` on 416, `WWW-Authenticate` on 401). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const fileNotFound = (id: string) => new DomainError(ErrorCode.FileNotFound, `File '${id}' was not found.`);
export const forbidden = (message: string) => new DomainError(ErrorCode.Forbidden, message);
export const badRequest = (message: string) => new DomainError(ErrorCode.ValidationFailed, message);
