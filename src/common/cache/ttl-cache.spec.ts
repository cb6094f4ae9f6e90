import { describe, expect, it } from '@jest/globals';
import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  it('returns entries until they expire', () => {
    const cache = new TtlCache<string>(1000);
    cache.set('a', 'A', 0);
    expect(cache.get('a', 999)).toBe('A');
    expect(cache.get('a', 1000)).toBeUndefined();
  });

  it('forgets deleted keys and evicts the oldest beyond its size', () => {
    const cache = new TtlCache<number>(1000, 2);
    cache.set('a', 1, 0);
    cache.set('b', 2, 0);
    cache.set('c', 3, 0);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('c', 1)).toBe(3);
    cache.delete('c');
    expect(cache.get('c', 1)).toBeUndefined();
  });

  it('keeps an entry until its own expiry, capped by the cache ttl', () => {
    const cache = new TtlCache<string>(1000);
    cache.setUntil('short', 'S', 300, 0);
    cache.setUntil('long', 'L', 5000, 0);
    expect(cache.get('short', 299)).toBe('S');
    expect(cache.get('short', 300)).toBeUndefined();
    expect(cache.get('long', 999)).toBe('L');
    expect(cache.get('long', 1000)).toBeUndefined();
  });
});
