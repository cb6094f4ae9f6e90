import { Injectable } from '@nestjs/common';
import { decodeProtectedHeader, errors, jwtVerify, JWTPayload } from 'jose';
import { AppConfig, IdentityProviderSettings } from '../../config/app-config.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { JwksKeys } from './jwks-keys.js';

/**
 * Only asymmetric algorithms, and jose only uses a JWKS key whose type fits the algorithm (RS256 → RSA, ES256 →
 * EC P-256): an HS256 token "signed" with the RSA public key never reaches a key, and `alg: none` is refused.
 */
export const IDP_ALGORITHMS = ['RS256', 'ES256'];

/** Verifies tokens of the external identity provider (JWT_JWKS_URI) against its published keys. */
@Injectable()
export class IdpTokenVerifier {
  private readonly settings?: IdentityProviderSettings;
  private readonly keys?: JwksKeys;

  constructor(config: AppConfig) {
    this.settings = config.identityProvider;
    if (this.settings) {
      this.keys = new JwksKeys(this.settings.jwksUri, {
        cooldownMs: this.settings.jwksCooldownSeconds * 1000,
        maxAgeMs: 10 * 60 * 1000,
        timeoutMs: 5000,
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

  /**
   * The verified payload. A DomainError otherwise: 401 naming the reason, or 503 (IDENTITY_PROVIDER_UNAVAILABLE)
   * when the keys cannot be fetched and none of those fetched before fits.
   */
  async verify(token: string): Promise<JWTPayload> {
    if (!this.keys || !this.settings) throw invalid('no identity provider is configured');
    try {
      const { payload } = await jwtVerify(token, this.keys.getKey, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: IDP_ALGORITHMS,
        // A token without an expiry would be good forever.
        requiredClaims: ['exp'],
      });
      return payload;
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw invalid(reasonOf(error));
    }
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed && error.reason === 'missing') return `it has no "${error.claim}" claim`;
  if (error instanceof errors.JWTClaimValidationFailed) return `the "${error.claim}" claim is not accepted (${error.reason})`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its signing algorithm is not accepted';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of the identity provider matches its key id';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (error instanceof errors.JOSEError) return error.message;
  return 'it could not be verified';
}

export const invalid = (reason: string) => new DomainError(ErrorCode.Unauthenticated, `Invalid token: ${reason}.`);
