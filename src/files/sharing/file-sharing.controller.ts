import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuth } from '../../common/openapi/api-auth.decorator.js';
import { CurrentPrincipal, RequirePermission } from '../../auth/decorators/auth.decorators.js';
import { Permission } from '../../permissions/permissions.js';
import { Principal } from '../../auth/principal.js';
import { ApiErrors } from '../../common/openapi/api-errors.decorator.js';
import { CreateGrantDto, FileGrantDto, toFileGrantDto } from './dto/file-grant.dto.js';
import { FileSharingService } from './file-sharing.service.js';
import { ValidateDto } from '../../common/validation/validate-dto.pipe.js';
import { RoutePrefix } from '../../common/routes.js';

/** Per-file sharing: grants of READ or WRITE to a user or a role. */
@ApiTags('files (native, MOLGENIS)')
@ApiAuth()
@RequirePermission(Permission.FileWrite)
@Controller(`${RoutePrefix.NativeFiles}/:id/permissions`)
export class FileSharingController {
  constructor(private readonly sharing: FileSharingService) {}

  @Post()
  @ApiOperation({
    summary: 'Share the file with a user or a role (owner, WRITE holders, admins); again for the same grantee changes the permission',
  })
  @ApiCreatedResponse({ type: FileGrantDto })
  @ApiErrors('molgenis', [400, 401, 403, 404])
  async grant(
    @Param('id') id: string,
    @Body(ValidateDto) body: CreateGrantDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<FileGrantDto> {
    return toFileGrantDto(await this.sharing.grant(principal, id, body));
  }

  @Get()
  @ApiOperation({ summary: "The file's grants (owner, WRITE holders, admins)" })
  @ApiOkResponse({ type: FileGrantDto, isArray: true })
  @ApiErrors('molgenis', [401, 403, 404])
  async list(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<FileGrantDto[]> {
    return (await this.sharing.list(principal, id)).map(toFileGrantDto);
  }

  @Delete(':grantId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a grant (owner, WRITE holders, admins); it stops applying at once' })
  @ApiNoContentResponse()
  @ApiErrors('molgenis', [401, 403, 404])
  async revoke(@Param('id') id: string, @Param('grantId') grantId: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.sharing.revoke(principal, id, grantId);
  }
}
