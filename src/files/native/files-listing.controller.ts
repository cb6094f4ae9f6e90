import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiAuth } from '../../common/openapi/api-auth.decorator.js';
import { CurrentPrincipal, RequirePermission } from '../../auth/decorators/auth.decorators.js';
import { Permission } from '../../permissions/permissions.js';
import { Principal } from '../../auth/principal.js';
import { ApiErrors } from '../../common/openapi/api-errors.decorator.js';
import { EXACT_COUNT_LIMIT } from '../listing/file-count.js';
import { FileListingService } from '../listing/file-listing.service.js';
import { NATIVE_FIELD_NAMES } from '../listing/list-fields.js';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from '../listing/list-query.js';
import type { ListQuery } from '../listing/list-query.js';
import { ListQueryPipe } from '../listing/list-query.pipe.js';
import { isSharedWith } from '../listing/visibility.js';
import { MolgenisFileDto, toMolgenisFile } from './molgenis-file.dto.js';
import { RoutePrefix } from '../../common/routes.js';

export class FilePageDto {
  @ApiProperty({ type: [MolgenisFileDto] }) items: MolgenisFileDto[];
  @ApiProperty({ example: 1234, description: 'How many files match the filter in all (for paging); see totalExact' }) total: number;
  @ApiProperty({
    example: true,
    description: `false when \`total\` is an estimate (only ever above ${EXACT_COUNT_LIMIT.toLocaleString('en-US')}, on a large table); see docs/native-api.md`,
  })
  totalExact: boolean;
  @ApiProperty({ example: DEFAULT_LIST_LIMIT }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
}

/** The native listing: the same query builder as GET /files, with native field names and a paging envelope. */
@ApiTags('files (native, MOLGENIS)')
@ApiAuth()
@Controller(RoutePrefix.NativeFiles)
export class FilesListingController {
  constructor(private readonly listing: FileListingService) {}

  @Get()
  @RequirePermission(Permission.FileRead)
  @ApiOperation({
    summary: "The caller's files (admins: everyone's), filtered, sorted and paged",
    description: 'Grammar as for GET /files (docs/appmixer-api.md), with native field names.',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_LIST_LIMIT },
  })
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0, default: 0 } })
  @ApiQuery({
    name: 'sort',
    required: false,
    description:
      '`field:1` or `field:-1`, comma-joined, e.g. `size:-1`; default createdAt:-1. Fields: id, filename, contentType, size, createdAt, md5, sha256, owner',
  })
  @ApiQuery({
    name: 'filter',
    required: false,
    description:
      'Comma-joined `field:value`, `field:~text` (filename, contentType), `field:>n` / `<` / `>=` / `<=` (size, createdAt), ' +
      'e.g. `filename:~report,size:>1000`',
  })
  @ApiOkResponse({ type: FilePageDto })
  @ApiErrors('molgenis', [400, 401, 403])
  async list(
    @Query(new ListQueryPipe(NATIVE_FIELD_NAMES)) listQuery: ListQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<FilePageDto> {
    const [files, total] = await Promise.all([
      this.listing.list(principal, listQuery),
      this.listing.countForPaging(principal, listQuery.filters),
    ]);
    return {
      items: files.map((file) => ({ ...toMolgenisFile(file), shared: isSharedWith(principal, file) })),
      total: total.count,
      totalExact: total.exact,
      limit: listQuery.limit,
      offset: listQuery.offset,
    };
  }
}
