import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AuditAction } from '../audit/audit-action.js';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { LoginThrottle } from '../throttle/login-throttle.js';
import { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { JwtClaims } from './jwt.strategy.js';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly loginThrottle: LoginThrottle,
    private readonly audit: AuditService,
  ) {}

  /** `address`: the client's, as `trust proxy` resolves it; failed logins are counted per account and per address. */
  async login(username: string, password: string, address?: string): Promise<{ token: string; tokenType: 'Bearer'; expiresIn: number }> {
    const user = await this.checkPassword(username, password, address);
    const claims: JwtClaims = { sub: user.id, username: user.username };
    const expiresIn = this.config.auth.jwtExpiresInSeconds;
    return { token: await this.jwt.signAsync(claims, { expiresIn }), tokenType: 'Bearer', expiresIn };
  }

  /** The user whose password this is, under the same failed-login limits as every sign-in; 401 otherwise. */
  async checkPassword(username: string, password: string, address?: string): Promise<User> {
    try {
      const user = await this.loginThrottle.attempt(username, address, () => this.users.verifyPassword(username, password));
      if (!user) throw new DomainError(ErrorCode.Unauthenticated, 'Wrong username or password.');
      return user;
    } catch (error) {
      // Refused sign-ins too (too many failures, hashing busy): the code says which.
      this.audit.record(AuditAction.LoginFailed, { actor: { userId: null, username }, error });
      throw error;
    }
  }
}
