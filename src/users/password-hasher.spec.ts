import { describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import argon2 from 'argon2';
import { PasswordHasher } from './password-hasher.js';

// The full-queue case warns, as it should; not in the test output.
Logger.overrideLogger(['error']);

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

  it('refuses at once with SERVICE_BUSY (503, Retry-After) when two are hashing and maxWaiting wait', async () => {
    const small = new PasswordHasher(1);
    const hash = await small.hash('queued');
    // Two run, one waits: the fourth finds the queue full.
    const accepted = [small.verify(hash, 'queued'), small.verify(hash, 'wrong'), small.verify(hash, 'queued')];
    await expect(small.verify(hash, 'queued')).rejects.toMatchObject({ code: 'SERVICE_BUSY', headers: { 'Retry-After': '1' } });
    await expect(small.hash('another')).rejects.toMatchObject({ code: 'SERVICE_BUSY' });
    expect(await Promise.all(accepted)).toEqual([true, false, true]);
    // Drained: accepted again.
    expect(await small.verify(hash, 'queued')).toBe(true);
  });

  it('answers every one of a burst of hashes (they queue, two at a time)', async () => {
    const hashes = await Promise.all(Array.from({ length: 6 }, (_, i) => hasher.hash(`password ${i}`)));
    expect(new Set(hashes).size).toBe(6);
    expect(await hasher.verify(hashes[5], 'password 5')).toBe(true);
  });
});
