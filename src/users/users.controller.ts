import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermission } from '../auth/decorators/auth.decorators.js';
import { Permission } from '../permissions/permissions.js';
import { Principal } from '../auth/principal.js';
import { badRequest } from '../common/errors/domain-error.js';
import { ApiAuth } from '../common/openapi/api-auth.decorator.js';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { PageQueryDto } from '../common/paging/page-query.dto.js';
import { CreateUserDto, toUserDto, UpdateUserDto, UserDto, UserPageDto } from './dto/user.dto.js';
import { UsersService } from './users.service.js';
import { ValidateDto } from '../common/validation/validate-dto.pipe.js';

@ApiTags('users')
@ApiAuth()
@RequirePermission(Permission.UserManage)
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiOperation({ summary: 'Create a user (admin)' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiErrors('molgenis', [400, 401, 403, 409, 503])
  async create(@Body(ValidateDto) body: CreateUserDto): Promise<UserDto> {
    return toUserDto(await this.users.create(body.username, body.password, body.roles));
  }

  @Get()
  @ApiOperation({ summary: 'List users (admin), by username' })
  @ApiOkResponse({ type: UserPageDto })
  @ApiErrors('molgenis', [400, 401, 403])
  async list(@Query(ValidateDto) page: PageQueryDto): Promise<UserPageDto> {
    const [users, total] = await this.users.list(page.limit, page.offset);
    return { items: users.map(toUserDto), total, limit: page.limit, offset: page.offset };
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a user (admin): their quota overrides',
    description:
      'quotaBytes / quotaFiles replace QUOTA_BYTES_PER_USER / QUOTA_FILES_PER_USER for this user; null goes back to the ' +
      'default; a field left out is unchanged. Files already stored stay, even above a lowered quota. See docs/quotas.md.',
  })
  @ApiParam({ name: 'id', description: 'The user id (a UUID)' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors('molgenis', [400, 401, 403, 404])
  async update(@Param('id') id: string, @Body(ValidateDto) body: UpdateUserDto): Promise<UserDto> {
    if (body.quotaBytes === undefined && body.quotaFiles === undefined)
      throw badRequest('Send quotaBytes and/or quotaFiles (a number, or null).');
    return toUserDto(await this.users.setQuota(id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user (admin); their tokens stop working, their files stay for admins' })
  @ApiNoContentResponse()
  @ApiErrors('molgenis', [401, 403, 404, 409])
  async delete(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.users.delete(id, principal.userId);
  }
}
