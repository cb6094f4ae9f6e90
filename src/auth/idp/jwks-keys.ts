import { Logger } from '@nestjs/common';
import { createLocalJWKSet, errors, FlattenedJWSInput, JSONWebKeySet, JWSHeaderParameters } from 'jose';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';

export interface JwksKeysOptions {
  /** Minimum time between two fetches (after a success or a failure). */
  cooldownMs: number;
  /** Keys older than this are refetched before use; if that fails, they are used as they are. */
  maxAgeMs: number;
  timeoutMs: number;
}

type LocalKeys = ReturnType<typeof createLocalJWKSet>;

/**
 * The identity provider's signing keys (a JWKS URL), for jose's `jwtVerify`. Unlike jose's `createRemoteJWKSet` it
 * tells "the keys cannot be fetched" (timeout, refused connection, non-200, not a JWKS) from "no key matches", keeps
 * using the keys it has while the endpoint is down, and waits a cooldown after failed fetches too, so an IdP outage
 * costs it one fetch per cooldown rather than one (and a timeout) per request. Key selection (kid, alg, key type)
 * is jose's own `createLocalJWKSet`.
 */
export class JwksKeys {
  private readonly logger = new Logger(JwksKeys.name);
  private keys?: LocalKeys;
  private fetchedAt = -Infinity;
  private attemptedAt = -Infinity;
  /** Why the latest attempt failed; undefined when it succeeded. */
  private failure?: string;
  private pending?: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly options: JwksKeysOptions,
  ) {}

  /** jose's key resolver: the key for a token, or a jose error (no key matches), or IDENTITY_PROVIDER_UNAVAILABLE. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    if (this.pending) await this.pending;
    else if ((!this.keys || Date.now() - this.fetchedAt >= this.options.maxAgeMs) && !this.coolingDown()) await this.reload();
    if (!this.keys) throw this.unavailable();
    try {
      return await this.keys(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // Perhaps a rotated key: look again, at most once per cooldown (or join a fetch under way).
      if (this.pending || !this.coolingDown()) {
        await this.reload();
        if (!this.failure) return this.keys(header, token);
      }
      // The keys could not be looked at lately: that the token's key is not among them says nothing.
      if (this.failure) throw this.unavailable();
      throw error;
    }
  };

  private coolingDown(): boolean {
    return Date.now() - this.attemptedAt < this.options.cooldownMs;
  }

  private reload(): Promise<void> {
    this.pending ??= this.fetchKeys().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetchKeys(): Promise<void> {
    this.attemptedAt = Date.now();
    try {
      const response = await fetch(this.url, {
        redirect: 'manual',
        headers: { accept: 'application/json, application/jwk-set+json' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (response.status !== 200) throw new Error(`it answered ${response.status}`);
      this.keys = createLocalJWKSet((await response.json()) as JSONWebKeySet);
      this.fetchedAt = Date.now();
      this.failure = undefined;
    } catch (error) {
      this.failure = describe(error);
      this.logger.warn(
        `Could not fetch the identity provider's keys from ${this.url}: ${this.failure}; ` +
          (this.keys ? 'the keys fetched before stay in use' : 'its tokens are refused with 503 until it answers'),
      );
    }
  }

  private unavailable(): DomainError {
    const retryAfter = Math.max(1, Math.ceil((this.attemptedAt + this.options.cooldownMs - Date.now()) / 1000));
    return new DomainError(
      ErrorCode.IdentityProviderUnavailable,
      `The identity provider's keys could not be fetched (${this.failure ?? 'not yet'}), so its tokens cannot be checked; try again shortly.`,
      { 'Retry-After': String(retryAfter) },
    );
  }
}

function describe(error: unknown): string {
  // Duck-typed: fetch's errors may come from another realm than this module's Error (as under jest's VM modules).
  const e = error as { name?: unknown; message?: unknown; cause?: { code?: unknown } } | undefined;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'it did not answer in time';
  if (error instanceof errors.JWKSInvalid) return 'its answer is not a JSON Web Key Set';
  if (e?.name === 'SyntaxError') return 'its answer is not JSON';
  // fetch() wraps the socket error: "fetch failed", cause ECONNREFUSED and the like.
  if (typeof e?.cause?.code === 'string') return `the connection failed (${e.cause.code})`;
  return typeof e?.message === 'string' ? e.message : String(error);
}
