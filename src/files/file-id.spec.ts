import { describe, expect, it } from '@jest/globals';
import { isValidFileId, newFileId } from './file-id.js';

describe('file ids', () => {
  it('makes 26-character base32 ids that do not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newFileId()));
    expect(ids.size).toBe(10_000);
    for (const id of ids) expect(id).toMatch(/^[a-z2-7]{26}$/);
  });

  it('uses every base32 character (the bits are spread, not stuck)', () => {
    const seen = new Set(Array.from({ length: 2000 }, () => newFileId()).join(''));
    expect(seen.size).toBe(32);
  });

  it.each([
    ['05c40f1e-cdaf-4e29-8976-38c899', true],
    ['report.v2_final', true],
    ['a'.repeat(128), true],
    ['a'.repeat(129), false],
    ['..', false],
    ['.hidden', false],
    ['a/b', false],
    ['a\\b', false],
    ['é', false],
    ['', false],
  ])('%p is a valid client id: %p', (id, valid) => {
    expect(isValidFileId(id)).toBe(valid);
  });
});
