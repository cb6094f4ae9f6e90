import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { ALL_ROLES } from '../../../permissions/permissions.js';
import { FileGrant, GrantPermission } from '../file-grant.entity.js';

export class CreateGrantDto {
  @ApiPropertyOptional({ example: 'alice', description: 'The user to share with (exactly one of username or role)' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._@:-]{1,64}$/, { message: 'username must be 1-64 of A-Z a-z 0-9 . _ @ : -' })
  username?: string;

  @ApiPropertyOptional({ enum: ALL_ROLES, example: 'viewer', description: 'Share with everyone holding this role' })
  @IsOptional()
  @IsIn(ALL_ROLES, { message: `role must be one of: ${ALL_ROLES.join(', ')}` })
  role?: string;

  @ApiProperty({ enum: GrantPermission, description: 'READ: metadata and download; WRITE: also delete (implies READ)' })
  @IsEnum(GrantPermission, { message: 'permission must be READ or WRITE' })
  permission: GrantPermission;
}

export class FileGrantDto {
  @ApiProperty() id: string;
  @ApiProperty() fileId: string;
  @ApiPropertyOptional({ description: 'Set for a grant to one user' }) username?: string;
  @ApiPropertyOptional({ description: 'Set for a grant to one user' }) userId?: string;
  @ApiPropertyOptional({ description: 'Set for a grant to a role' }) role?: string;
  @ApiProperty({ enum: GrantPermission }) permission: GrantPermission;
  @ApiProperty({ nullable: true, type: String, description: 'Who created the grant' }) createdBy: string | null;
  @ApiProperty() createdAt: string;
}

export const toFileGrantDto = (grant: FileGrant): FileGrantDto => ({
  id: grant.id,
  fileId: grant.fileId,
  ...(grant.userId !== null ? { userId: grant.userId, username: grant.user?.username } : { role: grant.role! }),
  permission: grant.permission,
  createdBy: grant.createdBy,
  createdAt: grant.createdAt.toISOString(),
});
