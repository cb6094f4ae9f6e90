import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { UsersService } from '../users/users.service.js';
import { JwtClaims } from './jwt.strategy.js';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  async login(username: string, password: string): Promise<{ token: string; tokenType: 'Bearer'; expiresIn: number }> {
    const user = await this.users.verifyPassword(username, password);
    if (!user) throw new DomainError(ErrorCode.Unauthenticated, 'Wrong username or password.');
    const claims: JwtClaims = { sub: user.id, username: user.username };
    const expiresIn = this.config.auth.jwtExpiresInSeconds;
    return { token: await this.jwt.signAsync(claims, { expiresIn }), tokenType: 'Bearer', expiresIn };
  }
}
