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
import { VerifiedJwts } from './verified-jwts.js';

export interface JwtClaims {
  sub: string;
  username: string;
  exp?: number;
}

/** HS256 tokens from `x-molgenis-token` or `Authorization: Bearer`; the user must still exist. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly users: UsersService,
    private readonly verified: VerifiedJwts,
  ) {
    super({
      // The same reading of the headers as every other strategy, and as the cache of verified tokens.
      jwtFromRequest: (req: Request) => tokenOf(req) ?? null,
      // A KeyObject made once, not the string: given a string, jsonwebtoken first tries (and fails, throwing) to read
      // it as a PEM public key on every request, a sixth of the CPU of a metadata GET. (The types only say string | Buffer.)
      secretOrKey: createSecretKey(Buffer.from(resolveJwtSecret(config))) as unknown as Buffer,
      algorithms: ['HS256'],
      ignoreExpiration: false,
      passReqToCallback: true,
    });
  }

  /** Called by passport once the signature and expiry are good. */
  async validate(req: Request, claims: JwtClaims): Promise<Principal> {
    const principal = await this.principalFor(claims.sub);
    const token = tokenOf(req);
    if (token) this.verified.remember(token, principal.userId, claims.exp);
    return principal;
  }

  /** The caller behind a verified token. Roles come from the database, not the token: changes take effect at once. */
  async principalFor(userId: unknown): Promise<Principal> {
    const user = typeof userId === 'string' ? await this.users.findById(userId) : null;
    if (!user) throw new DomainError(ErrorCode.Unauthenticated, 'Invalid token: its user no longer exists.');
    return new Principal(user.id, user.username, user.roles);
  }

  /** As principalFor, without waiting, when the user was looked up a moment ago; undefined otherwise. */
  recentPrincipalFor(userId: string): Principal | undefined {
    const user = this.users.recentById(userId);
    return user && new Principal(user.id, user.username, user.roles);
  }
}
