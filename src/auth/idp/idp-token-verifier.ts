import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, JWTPayload } from 'jose';
import { AppConfig, IdentityProviderSettings } from '../../config/app-config.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';

/**
 * Only asymmetric algorithms, and jose only uses a JWKS key whose type fits the algorithm (RS256 → RSA, ES256 →
 * EC P-256): an HS256 token "signed" with the RSA public key never reaches a key, and `alg: none` is refused.
 */
export const IDP_ALGORITHMS = ['RS256', 'ES256'];

/** Verifies tokens of the external identity provider (JWT_JWKS_URI) against its published keys. */
@Injectable()
export class IdpTokenVerifier {
  private readonly settings?: IdentityProviderSettings;
  private readonly keys?: ReturnType<typeof createRemoteJWKSet>;

  constructor(config: AppConfig) {
    this.settings = config.identityProvider;
    if (this.settings) {
      // Keys are cached; an unknown `kid` refetches the set, at most once per cooldown.
      this.keys = createRemoteJWKSet(new URL(this.settings.jwksUri), {
        cooldownDuration: this.settings.jwksCooldownSeconds * 1000,
        cacheMaxAge: 10 * 60 * 1000,
        timeoutDuration: 5000,
      });
    }
  }

  get options(): IdentityProviderSettings | undefined {
    return this.settings;
  }

  /** True for tokens this verifier should judge: an IdP is configured and the token is not one of our HS256 ones. */
  claims(token: string): boolean {
    if (!this.keys) return false;
    try {
      return decodeProtectedHeader(token).alg !== 'HS256';
    } catch {
      return false;
    }
  }

  /** The verified payload; a DomainError (401) naming the reason otherwise. */
  async verify(token: string): Promise<JWTPayload> {
    if (!this.keys || !this.settings) throw invalid('no identity provider is configured');
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: IDP_ALGORITHMS,
      });
      return payload;
    } catch (error) {
      throw invalid(reasonOf(error));
    }
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the "${error.claim}" claim is not accepted (${error.reason})`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its signing algorithm is not accepted';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of the identity provider matches its key id';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
    return "the identity provider's keys could not be fetched";
  if (error instanceof errors.JOSEError) return error.message;
  return "the identity provider's keys could not be fetched";
}

const invalid = (reason: string) => new DomainError(ErrorCode.Unauthenticated, `Invalid token: ${reason}.`);
