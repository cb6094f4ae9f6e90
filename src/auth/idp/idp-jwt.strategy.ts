import { Injectable } from '@nestjs/common';
import { JWTPayload } from 'jose';
import { IdentityProviderSettings } from '../../config/app-config.js';
import { IdpIdentity, IdpUsersService } from '../../users/idp-users.service.js';
import { Principal } from '../principal.js';
import { TokenStrategy } from '../strategies/token-strategy.js';
import { VerifiedTokens } from '../strategies/verified-tokens.js';
import { claimAt, rolesFromClaim, usernameFromClaims } from './claims.js';
import { IdpTokenVerifier, invalid } from './idp-token-verifier.js';

/**
 * RS256/ES256 tokens of the external identity provider. The user is the token's (iss, sub); roles and display name
 * come from the token on every request. Tokens it verified lately are remembered (by their exact text, until `exp`).
 */
@Injectable()
export class IdpJwtStrategy extends TokenStrategy {
  private readonly verified = new VerifiedTokens<IdpIdentity>();

  constructor(
    private readonly verifier: IdpTokenVerifier,
    private readonly idpUsers: IdpUsersService,
  ) {
    super('idp-jwt');
  }

  protected async verifyToken(token: string): Promise<Principal | undefined> {
    if (!this.verifier.claims(token)) return undefined;
    let identity = this.verified.get(token);
    if (!identity) {
      const payload = await this.verifier.verify(token);
      identity = this.verified.remember(token, identityOf(payload, this.verifier.options!), payload.exp);
    }
    // Recorded on first sight so the user can own and be granted files; their last sign-in keeps their API tokens alive.
    const user = await this.idpUsers.signIn(identity);
    return new Principal(user.id, user.username, identity.roles);
  }
}

function identityOf(payload: JWTPayload, settings: IdentityProviderSettings): IdpIdentity {
  const { sub } = payload;
  // OpenID Connect: at most 255 ASCII characters, unique within the issuer.
  if (typeof sub !== 'string' || sub === '' || sub.length > 255) throw invalid('its "sub" claim must be a string of 1-255 characters');
  return {
    issuer: settings.issuer,
    subject: sub,
    name: usernameFromClaims(payload, settings.usernameClaim)!,
    roles: rolesFromClaim(claimAt(payload, settings.rolesClaim)),
  };
}
