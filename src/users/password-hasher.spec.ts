import { describe, expect, it } from '@jest/globals';
import argon2 from 'argon2';
import { PasswordHasher } from './password-hasher.js';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('hashes with argon2id at 19 MiB, 2 passes, 1 lane, and verifies only the right password', async () => {
    const hash = await hasher.hash('correct horse');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await hasher.verify(hash, 'correct horse')).toBe(true);
    expect(await hasher.verify(hash, 'wrong horse')).toBe(false);
    expect(hasher.isOutdated(hash)).toBe(false);
  });

  it('still verifies hashes made with the library defaults, and calls them outdated', async () => {
    const old = await argon2.hash('from 0.1'); // m=65536, t=3, p=4
    expect(await hasher.verify(old, 'from 0.1')).toBe(true);
    expect(hasher.isOutdated(old)).toBe(true);
  });

  it('answers every one of a burst of hashes (they queue, two at a time)', async () => {
    const hashes = await Promise.all(Array.from({ length: 6 }, (_, i) => hasher.hash(`password ${i}`)));
    expect(new Set(hashes).size).toBe(6);
    expect(await hasher.verify(hashes[5], 'password 5')).toBe(true);
  });
});
