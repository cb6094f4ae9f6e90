import { AuditModule } from '../audit/audit.module.js';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { RateLimitGuard } from '../throttle/rate-limit.guard.js';
import { ThrottleModule } from '../throttle/throttle.module.js';
import { UsersModule } from '../users/users.module.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { AuthenticationGuard } from './guards/authentication.guard.js';
import { PermissionsGuard } from './guards/permissions.guard.js';
import { HasuraHeadersStrategy } from './hasura/hasura-headers.strategy.js';
import { resolveJwtSecret } from './jwt-secret.js';
import { IdpJwtStrategy } from './idp/idp-jwt.strategy.js';
import { IdpTokenVerifier } from './idp/idp-token-verifier.js';
import { JwtStrategy } from './jwt.strategy.js';
import { ApiToken } from './tokens/api-token.entity.js';
import { ApiTokenStrategy } from './tokens/api-token.strategy.js';
import { ApiTokensController } from './tokens/api-tokens.controller.js';
import { ApiTokensService } from './tokens/api-tokens.service.js';
import { Session } from './sessions/session.entity.js';
import { SessionStrategy } from './sessions/session.strategy.js';
import { SessionsController } from './sessions/sessions.controller.js';
import { SessionsService } from './sessions/sessions.service.js';

@Module({
  imports: [
    UsersModule,
    AuditModule,
    ThrottleModule,
    PassportModule,
    TypeOrmModule.forFeature([ApiToken, Session]),
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        secret: resolveJwtSecret(config),
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AuthController, SessionsController, ApiTokensController],
  providers: [
    AuthService,
    // The passport strategies of AuthenticationGuard, one per kind of credential.
    HasuraHeadersStrategy,
    JwtStrategy,
    ApiTokenStrategy,
    IdpJwtStrategy,
    SessionStrategy,
    ApiTokensService,
    SessionsService,
    IdpTokenVerifier,
    // Order matters: who you are, how much you may ask (per user, so after authentication), then what you may do.
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: PermissionsGuard },
  ],
})
export class AuthModule {}
