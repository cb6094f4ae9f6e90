import { Logger } from '@nestjs/common';
import argon2 from 'argon2';
import pLimit from 'p-limit';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';

/**
 * argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane) rather than the library default (64 MiB, 3
 * passes, 4 lanes): a hash's memory is the process's memory, and login needs no token. At most two run at once
 * (more wait their turn), so a burst of logins adds ~40 MiB to the service, not 64 MiB per request.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const MAX_CONCURRENT = 2;
/** Seconds a refused caller is told to wait: the queue drains within a fraction of that. */
const RETRY_AFTER_SECONDS = '1';
/** At most one warning per this many ms while the queue stays full. */
const WARN_EVERY_MS = 10_000;

export class PasswordHasher {
  private readonly logger = new Logger(PasswordHasher.name);
  private readonly turn = pLimit(MAX_CONCURRENT);
  private lastWarning = 0;

  /** `maxWaiting`: hashes that may wait for a slot; past that, more are refused at once (PASSWORD_HASH_MAX_WAITING). */
  constructor(private readonly maxWaiting = 32) {}

  hash(password: string): Promise<string> {
    return this.queued(() => argon2.hash(password, OPTIONS));
  }

  /** Verifies with the settings recorded in the hash itself, whatever they were. */
  verify(hash: string, password: string): Promise<boolean> {
    return this.queued(() => argon2.verify(hash, password));
  }

  /** True for hashes made with other settings (e.g. before this one): rehash at the next successful login. */
  isOutdated(hash: string): boolean {
    return argon2.needsRehash(hash, OPTIONS);
  }

  /** A full queue answers 503 now rather than keeping the caller (and every later one) waiting for seconds. */
  private queued<T>(work: () => Promise<T>): Promise<T> {
    if (this.turn.activeCount >= MAX_CONCURRENT && this.turn.pendingCount >= this.maxWaiting) {
      const now = Date.now();
      if (now - this.lastWarning >= WARN_EVERY_MS) {
        this.lastWarning = now;
        this.logger.warn(`Password hashing queue full (${this.maxWaiting} waiting): refusing logins with 503 until it drains`);
      }
      return Promise.reject(
        new DomainError(ErrorCode.ServiceBusy, 'Too many logins are being checked right now; try again shortly.', {
          'Retry-After': RETRY_AFTER_SECONDS,
        }),
      );
    }
    return this.turn(work);
  }
}
