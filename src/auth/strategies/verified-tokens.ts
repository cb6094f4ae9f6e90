import { TtlCache } from '../../common/cache/ttl-cache.js';

/** However long a token still has, it is checked again after this long. */
const RECHECK_AFTER_MS = 5 * 60 * 1000;

/**
 * Tokens one strategy verified lately, by their exact text (signature included), with what the verification found:
 * a repeat request with the same token skips the signature check, the largest cost of authenticating a small request.
 * An entry never outlives the token's `exp`. Each strategy keeps its own; per instance and rebuilt on demand.
 */
export class VerifiedTokens<V> {
  private readonly entries = new TtlCache<V>(RECHECK_AFTER_MS);

  /** Records a token that passed verification; tokens without a numeric expiry are not remembered. */
  remember(token: string, value: V, expiresAtSeconds: unknown): V {
    // jsonwebtoken and jose accept a token while now < exp (in whole seconds): the entry ends at the same instant.
    if (typeof expiresAtSeconds === 'number') this.entries.setUntil(token, value, expiresAtSeconds * 1000);
    return value;
  }

  /** What a still-valid remembered token was verified to be, or undefined: then verify it in full. */
  get(token: string): V | undefined {
    return this.entries.get(token);
  }
}
