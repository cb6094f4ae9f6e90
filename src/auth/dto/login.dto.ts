import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { Scope } from '../scopes.js';

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  username: string;

  @ApiProperty({ description: 'Your password (ADMIN_PASSWORD for the first admin)', format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}

export class TokenResponseDto {
  @ApiProperty({ description: 'A JWT to send as `Authorization: Bearer <token>` or `x-molgenis-token: <token>`' })
  token: string;

  @ApiProperty({ example: 'Bearer' })
  tokenType: 'Bearer';

  @ApiProperty({ description: 'Seconds until the token expires', example: 3600 })
  expiresIn: number;
}

export class UsageDto {
  @ApiProperty({ description: "Bytes of the caller's files", example: 1048576 }) bytes: number;
  @ApiProperty({ description: 'Files the caller owns', example: 3 }) files: number;
}

export class LimitsDto {
  @ApiProperty({ type: 'integer', nullable: true, description: 'Byte quota in force; null: unlimited', example: 10737418240 })
  bytes: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'File-count quota in force; null: unlimited', example: null })
  files: number | null;
}

export class MeDto {
  @ApiProperty() id: string;
  @ApiProperty() username: string;
  @ApiProperty({ type: [String], example: ['editor'] }) roles: string[];
  @ApiProperty({
    type: [String],
    example: ['file:read', 'file:write'],
    description: 'What the roles allow, narrowed by the token’s scopes',
  })
  permissions: string[];
  @ApiPropertyOptional({
    enum: Scope,
    isArray: true,
    description: 'Only when called with an API token: its scopes that the roles back up. Login and IdP tokens are not scoped.',
  })
  scopes?: Scope[];
  @ApiProperty({ type: UsageDto, description: 'What the caller stores now' }) usage: UsageDto;
  @ApiProperty({ type: LimitsDto, description: 'The quotas that apply to the caller (docs/quotas.md)' }) limits: LimitsDto;
}
