import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PageQueryDto } from '../../common/paging/page-query.dto.js';
import { AUDIT_ACTIONS, AuditAction } from '../audit-action.js';

/** GET /api/audit: the filters, all optional and combined with AND, and the paging of GET /api/users. */
export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'A user id or a username' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  actor?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTIONS })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS, { message: `action must be one of ${AUDIT_ACTIONS.join(', ')}` })
  action?: AuditAction;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  fileId?: string;

  @ApiPropertyOptional({ description: 'ISO 8601; entries at or after it' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ description: 'ISO 8601; entries before it' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  to?: string;
}

export class AuditEntryDto {
  id!: string;
  at!: string;
  actorId!: string | null;
  actorName!: string | null;
  clientAddress!: string | null;
  @ApiPropertyOptional({ enum: AUDIT_ACTIONS })
  action!: AuditAction;
  fileId!: string | null;
  target!: string | null;
  outcome!: 'success' | 'failure';
  errorCode!: string | null;
}
