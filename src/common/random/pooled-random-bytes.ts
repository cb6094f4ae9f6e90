import { randomFillSync } from 'node:crypto';

/** Filled from the CSPRNG 4 KiB at a time, as Node does for randomUUID: one call per ~120 uploads, not two each. */
const POOL = Buffer.alloc(4096);
let used = POOL.length;

/** `size` (≤ 4096) cryptographically random bytes, copied out of a pool that is never handed out twice. */
export function pooledRandomBytes(size: number): Buffer {
  if (used + size > POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  const bytes = Buffer.from(POOL.subarray(used, used + size));
  used += size;
  return bytes;
}
