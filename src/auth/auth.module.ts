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
import { JwtAuthGuard } from './guards/jwt-auth.guard.js';
import { PermissionsGuard } from './guards/permissions.guard.js';
import { HasuraHeadersAuthenticator } from './hasura/hasura-headers.authenticator.js';
import { resolveJwtSecret } from './jwt-secret.js';
import { IdpJwtStrategy } from './idp/idp-jwt.strategy.js';
import { IdpTokenVerifier } from './idp/idp-token-verifier.js';
import { JwtStrategy } from './jwt.strategy.js';
import { VerifiedJwts } from './verified-jwts.js';
import { ApiToken } from './tokens/api-token.entity.js';
import { ApiTokenStrategy } from './tokens/api-token.strategy.js';
import { ApiTokensController } from './tokens/api-tokens.controller.js';
import { ApiTokensService } from './tokens/api-tokens.service.js';

@Module({
  imports: [
    UsersModule,
    ThrottleModule,
    PassportModule,
    TypeOrmModule.forFeature([ApiToken]),
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        secret: resolveJwtSecret(config),
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AuthController, ApiTokensController],
  providers: [
    AuthService,
    JwtStrategy,
    VerifiedJwts,
    ApiTokensService,
    ApiTokenStrategy,
    IdpTokenVerifier,
    IdpJwtStrategy,
    HasuraHeadersAuthenticator,
    // Order matters: who you are, how much you may ask (per user, so after the JWT guard), then what you may do.
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: PermissionsGuard },
  ],
})
export class AuthModule {}
