import { Body, Controller, Delete, HttpCode, Ip, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { badRequest, DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { ApiErrors } from '../../common/openapi/api-errors.decorator.js';
import { ValidateDto } from '../../common/validation/validate-dto.pipe.js';
import { AppConfig } from '../../config/app-config.js';
import { AuthService } from '../auth.service.js';
import { CurrentPrincipal, Public } from '../decorators/auth.decorators.js';
import { LoginDto } from '../dto/login.dto.js';
import { Principal } from '../principal.js';
import { tokenOf } from '../strategies/token-strategy.js';
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
  @ApiErrors('molgenis', [400, 401, 403, 429, 503])
  async signIn(
    @Body(ValidateDto) body: LoginDto,
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

  /**
   * For users without a Stowage password (an identity provider's): the guard has verified the bearer token like on
   * every route; the session ends when the token would. API tokens are refused: they are for scripts, and a session
   * would shed their scopes.
   */
  @Post('token')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      "Sign in with a bearer token (an identity provider's, or POST /api/auth/login's): sets the session cookie, ending with the token",
  })
  @ApiOkResponse({ type: SessionDto })
  @ApiErrors('molgenis', [400, 401, 403, 503])
  async signInWithToken(
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SessionDto> {
    refuseCrossSite(req);
    const token = tokenOf(req);
    if (token === undefined) throw badRequest('Send the token to sign in with in Authorization: Bearer.');
    if (principal.scopes) {
      throw new DomainError(
        ErrorCode.Forbidden,
        'An API token cannot open a console session: sign in with a password or an identity-provider token.',
      );
    }
    const { secret, expiresAt } = await this.sessions.start({ id: principal.userId, username: principal.username }, jwtExpiry(token));
    const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
    setSessionCookie(res, secret, maxAge, this.config.auth.secureCookies);
    return { id: principal.userId, username: principal.username, roles: [...principal.roles], expiresAt: expiresAt.toISOString() };
  }

  /** Public: signing out needs no valid session, and clears the cookie whatever state it is in. */
  @Public()
  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out: ends the session on every instance and clears the cookie' })
  @ApiNoContentResponse({ description: 'Signed out (also when there was no session)' })
  @ApiErrors('molgenis', [403, 503])
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

/** The `exp` of a JWT the guard already verified (its payload, unverified here); undefined when it has none. */
function jwtExpiry(token: string): Date | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}
