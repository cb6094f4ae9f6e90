import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { IS_PUBLIC, TRUST_HASURA_HEADERS } from '../decorators/auth.decorators.js';
import { CredentialOptions } from '../strategies/token-strategy.js';

/**
 * The passport strategies, tried in order until one recognises its kind of credential; each judges only its own and
 * passes the rest on, and each keeps its own cache. The gateway's headers come first where a route trusts them (they
 * win over a token there); then our HS256 JWTs (the most common, so most requests stop there), API tokens (`stw_…`),
 * RS256/ES256 JWTs of the external identity provider (when JWT_JWKS_URI is set), and last the web console's session
 * cookie, only when no token is sent. A new kind of credential is one more strategy here.
 */
const STRATEGIES = ['hasura-headers', 'jwt', 'api-token', 'idp-jwt', 'session'];

/** Global guard: every route needs a valid credential unless it is marked `@Public()`. */
@Injectable()
export class AuthenticationGuard extends AuthGuard(STRATEGIES) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    return isPublic || (super.canActivate(context) as Promise<boolean>);
  }

  /** What each strategy learns about the route: passport hands these options to `authenticate`. */
  override getAuthenticateOptions(context: ExecutionContext): CredentialOptions {
    return {
      trustHasuraHeaders:
        this.reflector.getAllAndOverride<boolean>(TRUST_HASURA_HEADERS, [context.getHandler(), context.getClass()]) === true,
    };
  }

  override handleRequest<T>(error: unknown, user: T, info: unknown): T {
    // A strategy that errored (rather than rejected the credential) said why, or hit trouble (the database is down).
    if (error instanceof Error) throw error;
    if (error) throw new Error('Authentication failed', { cause: error });
    if (user) return user;
    // With several strategies, `info` lists each one's failure: the first error says what was wrong.
    const failure = (Array.isArray(info) ? info : [info]).find((item): item is Error => item instanceof Error);
    const reason = failure?.message;
    if (!reason || reason === 'No auth token') {
      // RFC 6750: a request without credentials gets the challenge without an error code.
      throw new DomainError(
        ErrorCode.Unauthenticated,
        'Authentication required: send a token in Authorization: Bearer or x-molgenis-token, or sign in (POST /api/auth/session).',
        {
          'WWW-Authenticate': 'Bearer realm="stowage"',
        },
      );
    }
    throw new DomainError(ErrorCode.Unauthenticated, `Invalid token: ${reason}.`);
  }
}
