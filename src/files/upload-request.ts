import type { Request } from 'express';
import type { Readable } from 'node:stream';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { isFormContentType, normalizeContentType, parseContentLength } from './upload-headers.js';

export interface RawUploadHeaders {
  /** The media type to store (normalised; application/octet-stream when absent or invalid). */
  contentType: string;
  /** Content-Length, when sent: lets FilesService refuse an oversized body (413) before reading it. */
  declaredSize?: number;
}

/**
 * The headers of a raw-body upload (the body is the file), shared by every API that takes one.
 * Form bodies are refused (415: `formHint` tells where forms are accepted); a garbage Content-Length is a 400.
 */
export function readRawUploadHeaders(req: Request, formHint: string): RawUploadHeaders {
  const contentType = req.headers['content-type'];
  if (isFormContentType(contentType)) {
    throw new DomainError(
      ErrorCode.UnsupportedMediaType,
      `Send the file's bytes as the body, not a form (${contentType!.split(';')[0]}); ${formHint}`,
    );
  }
  const declaredSize = parseContentLength(req.headers['content-length']);
  if (Number.isNaN(declaredSize)) throw new DomainError(ErrorCode.ValidationFailed, 'Content-Length must be a whole number.');
  return { contentType: normalizeContentType(contentType), declaredSize };
}

/**
 * Awaits `work` (a check before the body is read) while keeping an ear on `body`: a body that fails meanwhile (a
 * second multipart file part, a client abort) must not emit an 'error' nobody hears, which would end the process.
 * The write that reads it later still sees the failure: a stream remembers why it was destroyed.
 */
export async function beforeReading<T>(body: Readable, work: Promise<T>): Promise<T> {
  const meanwhile = () => {};
  body.on('error', meanwhile);
  try {
    return await work;
  } finally {
    body.off('error', meanwhile);
  }
}
