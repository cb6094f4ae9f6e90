import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { evaluatePreconditions, rangeStillValid, validatorsOf } from './preconditions.js';

const sha = 'a'.repeat(64);
const v = validatorsOf({ sha256: sha, createdAt: new Date('2026-01-02T03:04:05.678Z') });
const etag = `"${sha}"`;
const lastModified = 'Fri, 02 Jan 2026 03:04:05 GMT';
const earlier = 'Fri, 02 Jan 2026 03:04:04 GMT';
const later = 'Fri, 02 Jan 2026 03:04:06 GMT';

function failure(headers: Record<string, string>): unknown {
  try {
    evaluatePreconditions(headers, v);
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('validatorsOf', () => {
  it('gives a strong ETag from the hash and Last-Modified at whole seconds', () => {
    expect(v.etag).toBe(etag);
    expect(v.lastModified.toUTCString()).toBe(lastModified);
    expect(v.lastModified.getMilliseconds()).toBe(0);
  });
});

describe('evaluatePreconditions', () => {
  it('sends when there are no conditions', () => {
    expect(evaluatePreconditions({}, v)).toBe('send');
  });

  it.each([
    [{ 'if-none-match': etag }, 'not-modified'],
    [{ 'if-none-match': `W/${etag}` }, 'not-modified'],
    [{ 'if-none-match': `"other", ${etag}` }, 'not-modified'],
    [{ 'if-none-match': '*' }, 'not-modified'],
    [{ 'if-none-match': '"other"' }, 'send'],
    [{ 'if-modified-since': lastModified }, 'not-modified'],
    [{ 'if-modified-since': later }, 'not-modified'],
    [{ 'if-modified-since': earlier }, 'send'],
    [{ 'if-modified-since': 'not a date' }, 'send'],
    // If-None-Match wins over If-Modified-Since, both ways.
    [{ 'if-none-match': '"other"', 'if-modified-since': later }, 'send'],
    [{ 'if-none-match': etag, 'if-modified-since': earlier }, 'not-modified'],
    [{ 'if-match': etag }, 'send'],
    [{ 'if-match': '*' }, 'send'],
    [{ 'if-unmodified-since': lastModified }, 'send'],
    [{ 'if-unmodified-since': 'garbage' }, 'send'],
    // If-Match wins over If-Unmodified-Since.
    [{ 'if-match': etag, 'if-unmodified-since': earlier }, 'send'],
  ])('%j → %s', (headers, outcome) => {
    expect(evaluatePreconditions(headers as Record<string, string>, v)).toBe(outcome);
  });

  it.each<Record<string, string>>([
    { 'if-match': '"other"' },
    { 'if-match': `W/${etag}` },
    { 'if-unmodified-since': earlier },
    // 412 comes before 304 (RFC 9110 §13.2.2 order).
    { 'if-match': '"other"', 'if-none-match': etag },
  ])('%j → 412', (headers) => {
    const error = failure(headers);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(ErrorCode.PreconditionFailed);
  });
});

describe('rangeStillValid', () => {
  it.each([
    [undefined, true],
    [etag, true],
    [` ${etag} `, true],
    [`W/${etag}`, false],
    ['"other"', false],
    [lastModified, true],
    [later, false],
    [earlier, false],
    ['garbage', false],
  ])('If-Range %s → %s', (ifRange, valid) => {
    expect(rangeStillValid(ifRange, v)).toBe(valid);
  });
});
