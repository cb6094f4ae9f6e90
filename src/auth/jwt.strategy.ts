import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { createSecretKey } from 'node:crypto';
import type { Request } from 'express';
import { Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { UsersService } from '../users/users.service.js';
import { resolveJwtSecret } from './jwt-secret.js';
import { Principal } from './principal.js';
import { tokenOf } from './strategies/token-strategy.js';
import { VerifiedTokens } from './strategies/verified-tokens.js';

export interface JwtClaims {
  sub: string;
  username: string;
  exp?: number;
}

/**
 * Our own HS256 tokens (POST /api/auth/login), from `x-molgenis-token` or `Authorization: Bearer`; the user must still
 * exist. Tokens it verified lately are remembered by their exact text until their `exp`: a repeat request skips
 * passport-jwt and the signature check, and, when its user was looked up a moment ago, answers without a promise.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly verified = new VerifiedTokens<string>();

  constructor(
    config: AppConfig,
    private readonly users: UsersService,
  ) {
    super({
      // The same reading of the headers as every other strategy, and as the cache of verified tokens.
      jwtFromRequest: (req: Request) => tokenOf(req) ?? null,
      // A KeyObject made once, not the string: given a string, jsonwebtoken first tries (and fails, throwing) to read
      // it as a PEM public key on every request. (The types only say string | Buffer.)
      secretOrKey: createSecretKey(Buffer.from(resolveJwtSecret(config))) as unknown as Buffer,
      algorithms: ['HS256'],
      ignoreExpiration: false,
      passReqToCallback: true,
    });
  }

  override authenticate(req: Request, options?: object): void {
    const token = tokenOf(req);
    const userId = token === undefined ? undefined : this.verified.get(token);
    if (userId === undefined) return super.authenticate(req, options);
    const user = this.users.recentById(userId);
    if (user) return this.success(new Principal(user.id, user.username, user.roles));
    this.principalFor(userId).then(
      (principal) => this.success(principal),
      (error: unknown) => this.error(error as Error),
    );
  }

  /** Called by passport-jwt once the signature and expiry are good. */
  async validate(req: Request, claims: JwtClaims): Promise<Principal> {
    // We always set exp; a token without one was not made by POST /api/auth/login.
    if (typeof claims.exp !== 'number') throw new DomainError(ErrorCode.Unauthenticated, 'Invalid token: it has no "exp" claim.');
    const principal = await this.principalFor(claims.sub);
    this.verified.remember(tokenOf(req)!, principal.userId, claims.exp);
    return principal;
  }

  /** The caller behind a verified token. Roles come from the database, not the token: changes take effect at once. */
  private async principalFor(userId: unknown): Promise<Principal> {
    const user = typeof userId === 'string' ? await this.users.findById(userId) : null;
    if (!user) throw new DomainError(ErrorCode.Unauthenticated, 'Invalid token: its user no longer exists.');
    return new Principal(user.id, user.username, user.roles);
  }
}
