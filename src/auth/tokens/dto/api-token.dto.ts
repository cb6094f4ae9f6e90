import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsDateString, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { ALL_SCOPES, DEFAULT_SCOPES, Scope } from '../../scopes.js';
import { ApiToken } from '../api-token.entity.js';

const SCOPES_DESCRIPTION =
  'What the token may be used for, within its owner’s current roles: files:read, files:write (files of every user for admins), users:manage';

export class CreateApiTokenDto {
  @ApiProperty({ example: 'nightly backup job', maxLength: 255 })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  description: string;

  @ApiPropertyOptional({ example: '2027-01-01T00:00:00Z', description: 'ISO 8601, in the future; absent: the token does not expire' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: string;

  @ApiPropertyOptional({
    enum: Scope,
    isArray: true,
    example: [Scope.FilesRead],
    default: DEFAULT_SCOPES,
    description: `${SCOPES_DESCRIPTION}. A token calling this route may only give the new token scopes it has itself.`,
  })
  @IsOptional()
  @IsArray({ message: 'scopes must be an array' })
  @ArrayMinSize(1, { message: 'scopes must name at least one scope' })
  @ArrayUnique({ message: 'scopes must not repeat a scope' })
  @IsIn(ALL_SCOPES, { each: true, message: `each scope must be one of: ${ALL_SCOPES.join(', ')}` })
  scopes?: Scope[];
}

export class ApiTokenDto {
  @ApiProperty() id: string;
  @ApiProperty() description: string;
  @ApiProperty({ enum: Scope, isArray: true, description: SCOPES_DESCRIPTION }) scopes: Scope[];
  @ApiProperty({ nullable: true, type: String }) expiresAt: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String, description: 'Within a minute' }) lastUsedAt: string | null;
}

export class CreatedApiTokenDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'The secret, shown this once: send it as `x-molgenis-token` or `Authorization: Bearer`' }) token: string;
  @ApiProperty() description: string;
  @ApiProperty({ enum: Scope, isArray: true, description: SCOPES_DESCRIPTION }) scopes: Scope[];
  @ApiProperty({ nullable: true, type: String }) expiresAt: string | null;
  @ApiProperty() createdAt: string;
}

export class ApiTokenPageDto {
  @ApiProperty({ type: [ApiTokenDto] }) items: ApiTokenDto[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export const toApiTokenDto = (token: ApiToken): ApiTokenDto => ({
  id: token.id,
  description: token.description,
  scopes: token.scopes,
  expiresAt: token.expiresAt?.toISOString() ?? null,
  createdAt: token.createdAt.toISOString(),
  lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
});
