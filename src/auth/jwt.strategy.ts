import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { createSecretKey } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { UsersService } from '../users/users.service.js';
import { resolveJwtSecret } from './jwt-secret.js';
import { Principal } from './principal.js';

export interface JwtClaims {
  sub: string;
  username: string;
}

/** HS256 tokens from `x-molgenis-token` or `Authorization: Bearer`; the user must still exist. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly users: UsersService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromExtractors([
        ExtractJwt.fromHeader('x-molgenis-token'),
        ExtractJwt.fromAuthHeaderAsBearerToken(),
      ]),
      // A KeyObject made once, not the string: given a string, jsonwebtoken first tries (and fails, throwing) to read
      // it as a PEM public key on every request, a sixth of the CPU of a metadata GET. (The types only say string | Buffer.)
      secretOrKey: createSecretKey(Buffer.from(resolveJwtSecret(config))) as unknown as Buffer,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  async validate(claims: JwtClaims): Promise<Principal> {
    // Roles come from the database, not the token: a role change or a deletion takes effect at once.
    const user = typeof claims.sub === 'string' ? await this.users.findById(claims.sub) : null;
    if (!user) throw new DomainError(ErrorCode.Unauthenticated, 'Invalid token: its user no longer exists.');
    return new Principal(user.id, user.username, user.roles);
  }
}
