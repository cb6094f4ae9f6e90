import { Injectable } from '@nestjs/common';
import { TtlCache } from '../common/cache/ttl-cache.js';

/** However long a token still has, it is checked again after this long. */
const RECHECK_AFTER_MS = 5 * 60 * 1000;

/**
 * Our own HS256 tokens that this instance verified lately, by their exact text (signature included): a repeat
 * request with the same token skips passport and the signature check, the largest cost of authenticating a small
 * request. An entry never outlives the token's `exp`. The user is still looked up on every request (UsersService),
 * so a deleted user loses access as before. Per instance and rebuilt on demand: no instance needs another's.
 */
@Injectable()
export class VerifiedJwts {
  private readonly userIds = new TtlCache<string>(RECHECK_AFTER_MS);

  /** Records a token that passed verification; tokens without an expiry are not remembered. */
  remember(token: string, userId: string, expiresAtSeconds: unknown): void {
    if (typeof expiresAtSeconds !== 'number') return;
    // jsonwebtoken accepts a token while now < exp (in whole seconds): the entry ends at the same instant.
    this.userIds.setUntil(token, userId, expiresAtSeconds * 1000);
  }

  /** The user a still-valid remembered token belongs to, or undefined: then verify it in full. */
  userIdOf(token: string): string | undefined {
    return this.userIds.get(token);
  }
}
