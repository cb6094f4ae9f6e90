import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { UsersService } from '../../users/users.service.js';
import { Principal } from '../principal.js';
import { TokenStrategy } from '../strategies/token-strategy.js';
import { rolesFromClaim, usernameFromClaims, claimAt } from './claims.js';
import { IdpTokenVerifier } from './idp-token-verifier.js';

/**
 * Local username of an identity-provider user. ':' is not allowed in local usernames, so an IdP account can never
 * take over a local one (say, `admin`) by choosing its name.
 */
export const IDP_USERNAME_PREFIX = 'idp:';
// users.username is varchar(64): the prefix leaves 60 characters.
const IDP_USERNAME = /^[A-Za-z0-9._@-]{1,60}$/;

/** RS256/ES256 tokens of the external identity provider; roles come from the token on every request. */
@Injectable()
export class IdpJwtStrategy extends TokenStrategy {
  constructor(
    private readonly verifier: IdpTokenVerifier,
    private readonly users: UsersService,
  ) {
    super('idp-jwt');
  }

  protected async verify(token: string): Promise<Principal | undefined> {
    if (!this.verifier.claims(token)) return undefined;
    const payload = (await this.verifier.verify(token)) as Record<string, unknown>;
    const settings = this.verifier.options!;
    const name = usernameFromClaims(payload, settings.usernameClaim);
    if (!name || !IDP_USERNAME.test(name)) {
      throw new DomainError(
        ErrorCode.Unauthenticated,
        `Invalid token: its "${settings.usernameClaim}" (or "sub") must be 1-60 of A-Z a-z 0-9 . _ @ -.`,
      );
    }
    const roles = rolesFromClaim(claimAt(payload, settings.rolesClaim));
    // Recorded on first sight so the user can own and be granted files; roles kept so their API tokens carry them.
    const user = await this.users.setRoles(await this.users.findOrCreateExternal(IDP_USERNAME_PREFIX + name), roles);
    return new Principal(user.id, user.username, roles);
  }
}
