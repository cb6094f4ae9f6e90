import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../common/openapi/api-errors.decorator.js';
import { PageQueryDto } from '../../common/paging/page-query.dto.js';
import { ApiAuth } from '../../common/openapi/api-auth.decorator.js';
import { CurrentPrincipal } from '../decorators/auth.decorators.js';
import { Principal } from '../principal.js';
import { ApiTokenPageDto, CreateApiTokenDto, CreatedApiTokenDto, toApiTokenDto } from './dto/api-token.dto.js';
import { ApiTokensService } from './api-tokens.service.js';
import { ValidateDto } from '../../common/validation/validate-dto.pipe.js';

/** The caller's own API tokens (any authenticated user). */
@ApiTags('auth')
@ApiAuth()
@Controller('api/tokens')
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an API token with some of your permissions (its scopes); the secret is in this answer only',
    description:
      'Scopes default to files:read and files:write. The token may do what both its scopes and your roles at the time of each request allow.',
  })
  @ApiCreatedResponse({ type: CreatedApiTokenDto })
  @ApiErrors('molgenis', [400, 401, 403])
  async create(@Body(ValidateDto) body: CreateApiTokenDto, @CurrentPrincipal() principal: Principal): Promise<CreatedApiTokenDto> {
    const { token, secret } = await this.tokens.create(principal, {
      description: body.description,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined,
      scopes: body.scopes,
    });
    const { id, description, scopes, expiresAt, createdAt } = toApiTokenDto(token);
    return { id, token: secret, description, scopes, expiresAt, createdAt };
  }

  @Get()
  @ApiOperation({ summary: 'Your API tokens, newest first, without their secrets' })
  @ApiOkResponse({ type: ApiTokenPageDto })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiErrors('molgenis', [400, 401])
  async list(@Query(ValidateDto) page: PageQueryDto, @CurrentPrincipal() principal: Principal): Promise<ApiTokenPageDto> {
    const [tokens, total] = await this.tokens.list(principal, page.limit, page.offset);
    return { items: tokens.map(toApiTokenDto), total, limit: page.limit, offset: page.offset };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of your API tokens: it is refused from the next request on' })
  @ApiNoContentResponse()
  @ApiErrors('molgenis', [401, 404])
  async revoke(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.tokens.revoke(principal, id);
  }
}
