import parseRange from 'range-parser';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import type { ByteRange } from '../../storage/storage-provider.js';

/** What to send for a `Range` header: the whole file (200) or one slice of it (206). */
export type RangeDecision = { kind: 'whole' } | { kind: 'partial'; range: ByteRange };

const WHOLE: RangeDecision = { kind: 'whole' };

// RFC 9110 §14.1: range units compare case-insensitively; anything but bytes is ignored.
const BYTES_UNIT = /^\s*bytes\s*=/i;

/**
 * Decides how to answer `Range` for a file of `size` bytes:
 * - absent, malformed, or another unit: the whole file (RFC 9110 lets a server ignore Range);
 * - one range (after merging overlapping and adjacent ones): that slice;
 * - several disjoint ranges: the whole file, never multipart/byteranges — the answer is never larger than the
 *   file, so many overlapping ranges cannot amplify work (see docs/downloads.md);
 * - nothing satisfiable: 416 with `Content-Range: bytes *\/size`.
 */
export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined || !BYTES_UNIT.test(header)) return WHOLE;
  const ranges = parseRange(size, clampSuffixes(header.replace(BYTES_UNIT, 'bytes='), size), { combine: true });
  if (ranges === -1) throw rangeNotSatisfiable(size);
  if (ranges === -2 || ranges.length !== 1) return WHOLE;
  return { kind: 'partial', range: { start: ranges[0].start, end: ranges[0].end } };
}

/** range-parser refuses `bytes=-N` with N > size; RFC 9110 §14.1.2 says that means the whole file. */
function clampSuffixes(header: string, size: number): string {
  return header.replace(
    /([=,]\s*)-\s*(\d+)(?=\s*(,|$))/g,
    (_, lead: string, length: string) => `${lead}-${Math.min(Number(length), size)}`,
  );
}

export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

export function rangeNotSatisfiable(size: number): DomainError {
  return new DomainError(ErrorCode.RangeNotSatisfiable, `The requested range is not satisfiable: the file has ${size} bytes.`, {
    'Content-Range': `bytes */${size}`,
  });
}
