import { Body, Controller, Delete, HttpCode, Ip, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { ApiErrors } from '../../common/openapi/api-errors.decorator.js';
import { AppConfig } from '../../config/app-config.js';
import { AuthService } from '../auth.service.js';
import { Public } from '../decorators/auth.decorators.js';
import { LoginDto } from '../dto/login.dto.js';
import { clearSessionCookie, crossSiteRefusal, sessionCookieOf, setSessionCookie } from './session-cookie.js';
import { SessionsService } from './sessions.service.js';

export class SessionDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'admin' })
  username: string;

  @ApiProperty({ type: [String], example: ['admin'] })
  roles: string[];

  @ApiProperty({ description: 'When the session ends unless signed out before (SESSION_TTL_SECONDS after sign-in)' })
  expiresAt: string;
}

/** The web console's sign-in: a session cookie instead of a token the page would have to keep. */
@ApiTags('auth')
@Controller('api/auth/session')
export class SessionsController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with a username and password: sets an httpOnly, SameSite=Strict session cookie (the web console uses it)',
  })
  @ApiOkResponse({ type: SessionDto })
  @ApiErrors(400, 401, 403, 429, 503)
  async signIn(
    @Body() body: LoginDto,
    @Ip() address: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SessionDto> {
    // A login form posted from another site would sign the victim in as the attacker (login CSRF).
    refuseCrossSite(req);
    const user = await this.auth.checkPassword(body.username, body.password, address);
    const { secret, expiresAt } = await this.sessions.start(user);
    setSessionCookie(res, secret, this.config.auth.sessionTtlSeconds, this.config.auth.secureCookies);
    return { id: user.id, username: user.username, roles: [...user.roles], expiresAt: expiresAt.toISOString() };
  }

  /** Public: signing out needs no valid session, and clears the cookie whatever state it is in. */
  @Public()
  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out: ends the session on every instance and clears the cookie' })
  @ApiNoContentResponse({ description: 'Signed out (also when there was no session)' })
  @ApiErrors(403, 503)
  async signOut(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const secret = sessionCookieOf(req);
    if (secret === undefined) return clearSessionCookie(res, this.config.auth.secureCookies);
    refuseCrossSite(req);
    await this.sessions.end(secret);
    clearSessionCookie(res, this.config.auth.secureCookies);
  }
}

function refuseCrossSite(req: Request): void {
  const refusal = crossSiteRefusal(req);
  if (refusal) throw new DomainError(ErrorCode.Forbidden, refusal);
}
