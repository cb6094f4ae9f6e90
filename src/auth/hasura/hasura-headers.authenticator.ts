import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { dialectOf } from '../../common/errors/api-dialect.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { AppConfig } from '../../config/app-config.js';
import { UsersService } from '../../users/users.service.js';
import { HasuraPrincipal } from './hasura-principal.js';

export const HASURA_USER_ID_HEADER = 'x-hasura-user-id';
export const HASURA_ROLE_HEADER = 'x-hasura-role';
/** Local username of an external user; ':' is not allowed in native usernames, so the two never collide. */
export const HASURA_USERNAME_PREFIX = 'hasura:';
// users.username is varchar(64): the prefix leaves 57 characters for the external id.
const EXTERNAL_ID = /^[A-Za-z0-9._@-]{1,57}$/;

/**
 * Behind a gateway that already authenticated the caller (HASURA_TRUST_HEADERS=true), requests to /v1/file that
 * carry X-Hasura-User-Id are authenticated from the X-Hasura-* headers. Off by default: then the headers mean nothing.
 */
@Injectable()
export class HasuraHeadersAuthenticator {
  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
  ) {}

  /** Whether the headers name the caller: trust is on, the request is for /v1/file and carries X-Hasura-User-Id. */
  appliesTo(req: Request): boolean {
    return this.config.auth.trustHasuraHeaders && req.headers[HASURA_USER_ID_HEADER] !== undefined && dialectOf(req.path) === 'hasura';
  }

  /** The caller the headers name, or undefined when they do not apply (see appliesTo). */
  async authenticate(req: Request): Promise<HasuraPrincipal | undefined> {
    if (!this.appliesTo(req)) return undefined;
    const externalId = req.headers[HASURA_USER_ID_HEADER];
    if (typeof externalId !== 'string' || !EXTERNAL_ID.test(externalId)) {
      throw new DomainError(ErrorCode.Unauthenticated, 'X-Hasura-User-Id must be 1-57 of A-Z a-z 0-9 . _ @ -');
    }
    const role = req.headers[HASURA_ROLE_HEADER];
    // The external user is recorded on first sight so that it can own files.
    const user = await this.users.findOrCreateExternal(HASURA_USERNAME_PREFIX + externalId);
    return new HasuraPrincipal(user.id, user.username, externalId, typeof role === 'string' ? role.trim() : '');
  }
}
