import { describe, expect, it } from '@jest/globals';
import { pooledRandomBytes } from './pooled-random-bytes.js';

describe('pooledRandomBytes', () => {
  it('hands out copies of the right size that never repeat, across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const bytes = pooledRandomBytes(17);
      expect(bytes).toHaveLength(17);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(2000);
  });

  it('returns a copy: changing it does not touch what later calls get', () => {
    const first = pooledRandomBytes(16);
    first.fill(0);
    expect(pooledRandomBytes(16).equals(Buffer.alloc(16))).toBe(false);
  });
});
