import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { AppConfig } from '../../config/app-config.js';
import { UsersService } from '../../users/users.service.js';
import { CredentialOptions, CredentialStrategy } from '../strategies/token-strategy.js';
import { HasuraPrincipal } from './hasura-principal.js';

export const HASURA_USER_ID_HEADER = 'x-hasura-user-id';
export const HASURA_ROLE_HEADER = 'x-hasura-role';
/** Local username of an external user; ':' is not allowed in native usernames, so the two never collide. */
export const HASURA_USERNAME_PREFIX = 'hasura:';
// users.username is varchar(64): the prefix leaves 57 characters for the external id.
const EXTERNAL_ID = /^[A-Za-z0-9._@-]{1,57}$/;

/**
 * A gateway's X-Hasura-* headers, behind a gateway that already authenticated the caller: only with
 * HASURA_TRUST_HEADERS=true, only on routes marked `@TrustHasuraHeaders()` (the Hasura controller), and only when the
 * request carries X-Hasura-User-Id. Everywhere else the headers mean nothing and the next strategy is asked.
 */
@Injectable()
export class HasuraHeadersStrategy extends CredentialStrategy {
  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
  ) {
    super('hasura-headers');
  }

  protected verify(req: Request, options: CredentialOptions): Promise<HasuraPrincipal> | undefined {
    if (!options.trustHasuraHeaders || !this.config.auth.trustHasuraHeaders) return undefined;
    const externalId = req.headers[HASURA_USER_ID_HEADER];
    if (externalId === undefined) return undefined;
    if (typeof externalId !== 'string' || !EXTERNAL_ID.test(externalId)) {
      throw new DomainError(ErrorCode.Unauthenticated, 'X-Hasura-User-Id must be 1-57 of A-Z a-z 0-9 . _ @ -');
    }
    const role = req.headers[HASURA_ROLE_HEADER];
    return this.principalFor(externalId, typeof role === 'string' ? role.trim() : '');
  }

  private async principalFor(externalId: string, role: string): Promise<HasuraPrincipal> {
    // The external user is recorded on first sight so that it can own files.
    const user = await this.users.findOrCreateExternal(HASURA_USERNAME_PREFIX + externalId);
    return new HasuraPrincipal(user.id, user.username, externalId, role);
  }
}
