import { Controller, Get, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiAuth } from '../common/openapi/api-auth.decorator.js';
import { RequirePermission } from '../auth/decorators/auth.decorators.js';
import { Permission } from '../permissions/permissions.js';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { ValidateDto } from '../common/validation/validate-dto.pipe.js';
import { AuditEntry } from './audit-entry.js';
import { AuditService } from './audit.service.js';
import { AuditEntryDto, AuditQueryDto } from './dto/audit-query.dto.js';

const toAuditEntryDto = (entry: AuditEntry): AuditEntryDto => ({ ...entry, at: entry.at.toISOString() });

@ApiTags('audit')
@ApiAuth()
@ApiExtraModels(AuditEntryDto)
@RequirePermission(Permission.UserManage)
@Controller('api/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'The audit trail (admin), newest first; see docs/audit.md' })
  @ApiOkResponse({
    description: 'One page of entries, with the paging envelope of the native listings',
    schema: {
      type: 'object',
      required: ['items', 'total', 'limit', 'offset'],
      properties: {
        items: { type: 'array', items: { $ref: getSchemaPath(AuditEntryDto) } },
        total: { type: 'integer' },
        limit: { type: 'integer' },
        offset: { type: 'integer' },
      },
    },
  })
  @ApiErrors('molgenis', [400, 401, 403])
  async list(@Query(ValidateDto) query: AuditQueryDto): Promise<{ items: AuditEntryDto[]; total: number; limit: number; offset: number }> {
    const filter = {
      actor: query.actor,
      action: query.action,
      fileId: query.fileId,
      from: query.from === undefined ? undefined : new Date(query.from),
      to: query.to === undefined ? undefined : new Date(query.to),
    };
    const [entries, total] = await this.audit.list(filter, query.limit, query.offset);
    return { items: entries.map(toAuditEntryDto), total, limit: query.limit, offset: query.offset };
  }
}
