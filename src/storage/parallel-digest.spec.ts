import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { DomainError } from '../common/errors/domain-error.js';
import { HashWorkerPool } from './hash-workers.js';
import { ParallelDigest } from './parallel-digest.js';

const pool = new HashWorkerPool(2);
afterAll(() => pool.close());

const expected = (bytes: Buffer) => ({
  size: bytes.length,
  sha256: createHash('sha256').update(bytes).digest('hex'),
  md5: createHash('md5').update(bytes).digest('hex'),
});

/** Feeds `bytes` in chunks of odd sizes, awaiting the backpressure promise as a writer does. */
async function feed(digest: ParallelDigest, bytes: Buffer, chunk = 65_537): Promise<void> {
  for (let at = 0; at < bytes.length; at += chunk) {
    const waiting = digest.update(bytes.subarray(at, at + chunk));
    if (waiting) await waiting;
  }
}

describe('ParallelDigest', () => {
  it('gives the exact digests of a small body, hashed on the event loop', async () => {
    const bytes = randomBytes(100_000);
    const digest = new ParallelDigest({ pool });
    await feed(digest, bytes, 777);
    expect(await digest.result()).toEqual(expected(bytes));
    expect(digest.inWorkers).toBe(false);
  });

  it('gives the exact digests of a large body hashed in the workers, whatever the chunk boundaries', async () => {
    // Larger than the ring (4 x 1 MiB) several times over, so slots are reused and the writer has to wait.
    const bytes = randomBytes(9 * 1024 * 1024 + 12_345);
    for (const chunk of [1, 4096, 65_537, 262_144, 3 * 1024 * 1024]) {
      const digest = new ParallelDigest({ pool });
      await feed(digest, chunk === 1 ? bytes.subarray(0, 300_000) : bytes, chunk);
      expect(await digest.result()).toEqual(expected(chunk === 1 ? bytes.subarray(0, 300_000) : bytes));
      expect(digest.inWorkers).toBe(true);
    }
    expect(pool.openSessions).toBe(0);
  });

  it('gives the empty digests of an empty body', async () => {
    expect(await new ParallelDigest({ pool }).result()).toEqual(expected(Buffer.alloc(0)));
  });

  it('keeps uploads apart when many hash at once', async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => randomBytes(600_000 + i * 50_000));
    const results = await Promise.all(
      bodies.map(async (bytes) => {
        const digest = new ParallelDigest({ pool });
        await feed(digest, bytes);
        return digest.result();
      }),
    );
    expect(results).toEqual(bodies.map(expected));
    expect(pool.openSessions).toBe(0);
  });

  it('fails with PAYLOAD_TOO_LARGE past the limit and frees its sessions', async () => {
    const digest = new ParallelDigest({ pool, maxBytes: 2 * 1024 * 1024 });
    await feed(digest, randomBytes(2 * 1024 * 1024));
    expect(digest.inWorkers).toBe(true);
    expect(() => digest.update(Buffer.alloc(1))).toThrow(DomainError);
    expect(pool.openSessions).toBe(0);
  });

  it('frees the workers when an upload is abandoned, without leaking or growing the pool', async () => {
    for (let i = 0; i < 20; i++) {
      const digest = new ParallelDigest({ pool });
      await feed(digest, randomBytes(1024 * 1024));
      digest.dispose();
      digest.dispose();
      await expect(digest.result()).rejects.toMatchObject({ code: 'UPLOAD_ABORTED' });
    }
    expect(pool.openSessions).toBe(0);
    expect(pool.workerCount).toBe(2);
    const bytes = randomBytes(3 * 1024 * 1024);
    const digest = new ParallelDigest({ pool });
    await feed(digest, bytes);
    expect(await digest.result()).toEqual(expected(bytes));
  });

  it('fails the uploads of a worker that dies, replaces it, and hashes the next upload exactly', async () => {
    const digest = new ParallelDigest({ pool });
    await feed(digest, randomBytes(1024 * 1024));
    await pool.crashOne();
    await expect(
      (async () => {
        await feed(digest, randomBytes(4 * 1024 * 1024));
        return digest.result();
      })(),
    ).rejects.toThrow(/hash worker/);
    expect(pool.openSessions).toBe(0);
    const bytes = randomBytes(3 * 1024 * 1024);
    const next = new ParallelDigest({ pool });
    await feed(next, bytes);
    expect(await next.result()).toEqual(expected(bytes));
    expect(pool.workerCount).toBe(2);
  });
});
