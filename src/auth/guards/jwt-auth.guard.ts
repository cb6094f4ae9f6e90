import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { IS_PUBLIC } from '../decorators/auth.decorators.js';
import { HasuraHeadersAuthenticator } from '../hasura/hasura-headers.authenticator.js';
import { JwtStrategy } from '../jwt.strategy.js';
import { tokenOf } from '../strategies/token-strategy.js';
import { VerifiedJwts } from '../verified-jwts.js';

/**
 * Tried in order; each judges only its own kind of token and passes the rest on: our HS256 JWTs first (the most
 * common, so most requests stop at the first), API tokens (`stw_…`), then RS256/ES256 JWTs of the external identity
 * provider (when JWT_JWKS_URI is set).
 */
const STRATEGIES = ['jwt', 'api-token', 'idp-jwt'];

/** Global guard: every route needs a valid token unless it is marked `@Public()`. */
@Injectable()
export class JwtAuthGuard extends AuthGuard(STRATEGIES) {
  constructor(
    private readonly reflector: Reflector,
    private readonly hasuraHeaders: HasuraHeadersAuthenticator,
    private readonly verifiedJwts: VerifiedJwts,
    private readonly jwtStrategy: JwtStrategy,
  ) {
    super();
  }

  // Not async: on the usual request (a token verified a moment ago, its user cached) the answer is known at once, and
  // Nest awaits only a guard that returns a promise. A metadata GET made ~8 promises fewer this way.
  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<Request>();
    // Only with HASURA_TRUST_HEADERS: a gateway's X-Hasura-* headers stand in for the token on /v1/file.
    if (this.hasuraHeaders.appliesTo(request)) return this.authenticateByHeaders(request);
    // A token this instance verified a moment ago (the usual case: clients reuse theirs) needs no second check.
    const token = tokenOf(request);
    const userId = token === undefined ? undefined : this.verifiedJwts.userIdOf(token);
    if (userId === undefined) return super.canActivate(context) as Promise<boolean>;
    const known = this.jwtStrategy.recentPrincipalFor(userId);
    if (known) {
      request.user = known;
      return true;
    }
    return this.jwtStrategy.principalFor(userId).then((principal) => {
      request.user = principal;
      return true;
    });
  }

  private async authenticateByHeaders(request: Request): Promise<boolean> {
    request.user = await this.hasuraHeaders.authenticate(request);
    return true;
  }

  override handleRequest<T>(error: unknown, user: T, info: unknown): T {
    // A strategy that errored (rather than rejected the token) hit trouble, e.g. the database is down: not a 401.
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
        'Authentication required: send a token in Authorization: Bearer or x-molgenis-token.',
        {
          'WWW-Authenticate': 'Bearer realm="stowage"',
        },
      );
    }
    throw new DomainError(ErrorCode.Unauthenticated, `Invalid token: ${reason}.`);
  }
}
