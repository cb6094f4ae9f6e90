import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { Principal } from '../principal.js';
import { CredentialStrategy, tokenOf } from '../strategies/token-strategy.js';
import { crossSiteRefusal, sessionCookieOf } from './session-cookie.js';
import { SessionsService } from './sessions.service.js';

/**
 * The console's session cookie, only when the request sends no token ("session cookie if supplied", as MOLGENIS
 * says): a token always wins, so API clients never depend on cookies a browser happens to hold. Unsafe methods must
 * come from our own origin (CSRF). Its cache is the SessionsService's.
 */
@Injectable()
export class SessionStrategy extends CredentialStrategy {
  constructor(private readonly sessions: SessionsService) {
    super('session');
  }

  protected verify(req: Request): Promise<Principal> | undefined {
    if (tokenOf(req) !== undefined) return undefined;
    const secret = sessionCookieOf(req);
    if (secret === undefined) return undefined;
    const refusal = crossSiteRefusal(req);
    if (refusal) throw new DomainError(ErrorCode.Forbidden, refusal);
    return this.sessions.authenticate(secret);
  }
}
