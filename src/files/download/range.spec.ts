import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { contentRange, decideRange } from './range.js';

const partial = (start: number, end: number) => ({ kind: 'partial', range: { start, end } });

describe('decideRange', () => {
  it('serves the whole file without a Range header', () => {
    expect(decideRange(undefined, 100)).toEqual({ kind: 'whole' });
  });

  it.each([
    ['bytes=0-9', partial(0, 9)],
    ['bytes=90-', partial(90, 99)],
    ['bytes=-10', partial(90, 99)],
    ['bytes=95-200', partial(95, 99)],
    ['bytes=-500', partial(0, 99)],
    ['bytes=0-0,-500', partial(0, 99)],
    ['Bytes = 1-2', partial(1, 2)],
    ['bytes=0-5,3-10', partial(0, 10)],
    ['bytes=0-4,5-9', partial(0, 9)],
  ])('%s is one slice', (header, expected) => {
    expect(decideRange(header, 100)).toEqual(expected);
  });

  it.each(['bytes=0-1,5-6', 'bytes=0-0,2-2,4-4'])('%s (disjoint ranges) gets the whole file', (header) => {
    expect(decideRange(header, 100)).toEqual({ kind: 'whole' });
  });

  it.each(['bytes=abc', 'bytes=1-x', 'bytes', 'items=0-5', '0-5', 'bytes=--1'])('%s (malformed or another unit) is ignored', (header) => {
    expect(decideRange(header, 100)).toEqual({ kind: 'whole' });
  });

  it.each([
    ['bytes=100-', 100],
    ['bytes=200-300', 100],
    ['bytes=5-2', 100],
    ['bytes=-0', 100],
    ['bytes=0-', 0],
  ])('%s on %i bytes is 416 with Content-Range bytes */size', (header, size) => {
    let error: unknown;
    try {
      decideRange(header, size);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(ErrorCode.RangeNotSatisfiable);
    expect((error as DomainError).headers).toEqual({ 'Content-Range': `bytes */${size}` });
  });

  it('keeps the work bounded for thousands of overlapping ranges (one merged slice)', () => {
    const header = 'bytes=' + Array.from({ length: 3000 }, () => '0-99').join(',');
    expect(decideRange(header, 1000)).toEqual(partial(0, 99));
  });

  it('formats Content-Range', () => {
    expect(contentRange({ start: 5, end: 9 }, 10)).toBe('bytes 5-9/10');
  });
});
