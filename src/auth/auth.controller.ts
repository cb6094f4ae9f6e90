import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuth } from '../common/openapi/api-auth.decorator.js';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { QuotaService } from '../users/quotas/quota.service.js';
import { AuthService } from './auth.service.js';
import { CurrentPrincipal, Public } from './decorators/auth.decorators.js';
import { LoginDto, MeDto, TokenResponseDto } from './dto/login.dto.js';
import { Principal } from './principal.js';
import { ValidateDto } from '../common/validation/validate-dto.pipe.js';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly quotas: QuotaService,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a username and password for a bearer token' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiErrors('molgenis', [400, 401, 429, 503])
  login(@Body(ValidateDto) body: LoginDto, @Ip() address: string): Promise<TokenResponseDto> {
    return this.auth.login(body.username, body.password, address);
  }

  @Get('me')
  @ApiAuth()
  @ApiOperation({
    summary: 'Who am I: the caller with roles, permissions, storage usage and quotas (and, for an API token, its effective scopes)',
  })
  @ApiOkResponse({ type: MeDto })
  @ApiErrors('molgenis', [401, 503])
  async me(@CurrentPrincipal() principal: Principal): Promise<MeDto> {
    const [usage, limits] = await Promise.all([this.quotas.usageOf(principal.userId), this.quotas.limitsOf(principal.userId)]);
    const scopes = principal.effectiveScopes;
    return {
      id: principal.userId,
      username: principal.username,
      roles: [...principal.roles],
      permissions: [...principal.permissions],
      usage,
      limits,
      ...(scopes ? { scopes } : {}),
    };
  }
}
