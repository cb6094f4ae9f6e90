import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { ApiToken } from '../api-token.entity.js';

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
}

export class ApiTokenDto {
  @ApiProperty() id: string;
  @ApiProperty() description: string;
  @ApiProperty({ nullable: true, type: String }) expiresAt: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String, description: 'Within a minute' }) lastUsedAt: string | null;
}

export class CreatedApiTokenDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'The secret, shown this once: send it as `x-molgenis-token` or `Authorization: Bearer`' }) token: string;
  @ApiProperty() description: string;
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
  expiresAt: token.expiresAt?.toISOString() ?? null,
  createdAt: token.createdAt.toISOString(),
  lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
});
