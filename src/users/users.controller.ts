import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermission } from '../auth/decorators/auth.decorators.js';
import { Permission } from '../auth/permissions.js';
import { Principal } from '../auth/principal.js';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { PageQueryDto } from '../common/paging/page-query.dto.js';
import { CreateUserDto, toUserDto, UserDto } from './dto/user.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiBearerAuth()
@RequirePermission(Permission.UserManage)
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiOperation({ summary: 'Create a user (admin)' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 409, 503)
  async create(@Body() body: CreateUserDto): Promise<UserDto> {
    return toUserDto(await this.users.create(body.username, body.password, body.roles));
  }

  @Get()
  @ApiOperation({ summary: 'List users (admin), by username' })
  @ApiOkResponse({ type: UserDto, isArray: true })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiErrors(400, 401, 403)
  async list(@Query() page: PageQueryDto): Promise<{ items: UserDto[]; total: number; limit: number; offset: number }> {
    const [users, total] = await this.users.list(page.limit, page.offset);
    return { items: users.map(toUserDto), total, limit: page.limit, offset: page.offset };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user (admin); their tokens stop working, their files stay for admins' })
  @ApiNoContentResponse()
  @ApiErrors(401, 403, 404, 409)
  async delete(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.users.delete(id, principal.userId);
  }
}
