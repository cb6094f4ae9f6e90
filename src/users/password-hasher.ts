import argon2 from 'argon2';
import pLimit from 'p-limit';

/**
 * argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane) rather than the library default (64 MiB, 3
 * passes, 4 lanes): a hash's memory is the process's memory, and login needs no token. At most two run at once
 * (more wait their turn), so a burst of logins adds ~40 MiB to the service, not 64 MiB per request.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const MAX_CONCURRENT = 2;

export class PasswordHasher {
  private readonly turn = pLimit(MAX_CONCURRENT);

  hash(password: string): Promise<string> {
    return this.turn(() => argon2.hash(password, OPTIONS));
  }

  /** Verifies with the settings recorded in the hash itself, whatever they were. */
  verify(hash: string, password: string): Promise<boolean> {
    return this.turn(() => argon2.verify(hash, password));
  }

  /** True for hashes made with other settings (e.g. before this one): rehash at the next successful login. */
  isOutdated(hash: string): boolean {
    return argon2.needsRehash(hash, OPTIONS);
  }
}
