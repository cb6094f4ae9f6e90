import { pooledRandomBytes } from '../common/random/pooled-random-bytes.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';

const KEY_PATTERN = /^[a-z0-9]{2,128}$/;

/** A fresh, random object key (128 bits, lowercase hex). Never derived from a file id or a filename. */
export function newStorageKey(): string {
  return pooledRandomBytes(16).toString('hex');
}

/** Whether `key` has the shape of the keys this server makes (anything else in a store is not ours to touch). */
export function isStorageKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** Providers call this on every key they are handed: defence in depth against a key that could address a path. */
export function assertStorageKey(key: string): void {
  if (!KEY_PATTERN.test(key)) throw new DomainError(ErrorCode.Internal, `Refusing malformed storage key '${key}'`);
}
