import { ERRORS } from '@tus/server';

/**
 * A tus protocol answer thrown from Stowage's side of @tus/server (the store, the locker): tus sends `status_code`
 * with `body` as its plain-text answer, exactly as for the `{status_code, body}` objects it throws itself.
 */
export class TusProtocolError extends Error {
  constructor(
    readonly status_code: number,
    readonly body: string,
  ) {
    super(body.trim());
    this.name = 'TusProtocolError';
  }
}

/** One of tus' own answers (`ERRORS.FILE_NOT_FOUND`, ...), as an Error. */
export const tusError = (error: { status_code: number; body: string }) => new TusProtocolError(error.status_code, error.body);

export const uploadLocked = () => new TusProtocolError(423, 'The upload is in use by another request; try again shortly.\n');

export const tusUploadNotFound = () => tusError(ERRORS.FILE_NOT_FOUND);

/** A tus answer, whether tus threw it or Stowage did; anything else is an error to map (see TusServer). */
export const isTusAnswer = (error: unknown): error is { status_code: number; body: string } =>
  typeof error === 'object' && error !== null && 'status_code' in error && 'body' in error;
