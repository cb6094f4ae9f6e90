import type { IncomingHttpHeaders } from 'node:http';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';

/** What a client can revalidate against: a strong ETag and a Last-Modified at HTTP-date (whole-second) precision. */
export interface Validators {
  /** Quoted, strong: `"<sha256>"`. The bytes of a file never change, so its hash identifies them exactly. */
  etag: string;
  lastModified: Date;
}

export function validatorsOf(file: { sha256: string; createdAt: Date }): Validators {
  return { etag: `"${file.sha256}"`, lastModified: new Date(Math.floor(file.createdAt.getTime() / 1000) * 1000) };
}

/** Whether to send the representation (`send`) or a 304 (`not-modified`); a failed precondition throws 412. */
export type PreconditionOutcome = 'send' | 'not-modified';

/**
 * RFC 9110 §13.2.2, for GET and HEAD: If-Match, else If-Unmodified-Since (412 when false); then If-None-Match,
 * else If-Modified-Since (304 when false). If-Range is separate (`rangeStillValid`): it only decides about Range.
 */
export function evaluatePreconditions(headers: IncomingHttpHeaders, v: Validators): PreconditionOutcome {
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!matchesAny(ifMatch, v.etag, 'strong')) throw preconditionFailed('If-Match');
  } else {
    const since = parseHttpDate(headers['if-unmodified-since']);
    if (since !== undefined && v.lastModified.getTime() > since) throw preconditionFailed('If-Unmodified-Since');
  }

  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) return matchesAny(ifNoneMatch, v.etag, 'weak') ? 'not-modified' : 'send';
  const since = parseHttpDate(headers['if-modified-since']);
  if (since !== undefined && v.lastModified.getTime() <= since) return 'not-modified';
  return 'send';
}

/**
 * If-Range (RFC 9110 §13.1.5): the Range applies only when the validator still matches — an entity tag by strong
 * comparison (a weak tag never matches), or a date equal to Last-Modified. Absent: the Range applies.
 */
export function rangeStillValid(ifRange: string | undefined, v: Validators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === v.etag;
  return parseHttpDate(value) === v.lastModified.getTime();
}

/** `*` or a comma-separated list of entity tags; `weak` ignores the W/ prefix on both sides (RFC 9110 §8.8.3.2). */
function matchesAny(header: string, etag: string, comparison: 'strong' | 'weak'): boolean {
  const list = header.split(',').map((tag) => tag.trim());
  if (list.includes('*')) return true;
  return list.some((tag) => (comparison === 'weak' ? tag.replace(/^W\//, '') === etag : tag === etag));
}

/** Milliseconds of an HTTP-date; undefined when absent or not a date (an invalid date is ignored, RFC 9110). */
function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

function preconditionFailed(header: string): DomainError {
  return new DomainError(ErrorCode.PreconditionFailed, `${header} does not match the current version of the file.`);
}
