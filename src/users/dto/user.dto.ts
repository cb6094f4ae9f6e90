import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { ALL_ROLES, Role } from '../../permissions/permissions.js';
import { User } from '../user.entity.js';

export class CreateUserDto {
  @ApiProperty({ example: 'alice', pattern: '^[A-Za-z0-9._@-]{1,64}$' })
  @IsString()
  @Matches(/^[A-Za-z0-9._@-]{1,64}$/, { message: 'username must be 1-64 of A-Z a-z 0-9 . _ @ -' })
  username: string;

  @ApiProperty({ minLength: 8, format: 'password', description: 'At least 8 characters' })
  @IsString()
  @MinLength(8)
  @MaxLength(1024)
  password: string;

  @ApiProperty({ enum: Role, isArray: true, example: [Role.Editor] })
  @IsArray()
  @ArrayUnique()
  @IsIn(ALL_ROLES, { each: true, message: `each role must be one of: ${ALL_ROLES.join(', ')}` })
  roles: Role[];
}

/** PATCH /api/users/{id}: what an admin may change. Absent fields stay as they are; null goes back to the default. */
export class UpdateUserDto {
  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 0,
    example: 10737418240,
    description: "This user's byte quota instead of QUOTA_BYTES_PER_USER; null: back to the default",
  })
  @IsOptional()
  @IsInt({ message: 'quotaBytes must be a whole number of bytes, or null' })
  @Min(0, { message: 'quotaBytes must be 0 or more, or null' })
  @Max(Number.MAX_SAFE_INTEGER, { message: 'quotaBytes is too large' })
  quotaBytes?: number | null;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 0,
    example: 10000,
    description: "This user's file-count quota instead of QUOTA_FILES_PER_USER; null: back to the default",
  })
  @IsOptional()
  @IsInt({ message: 'quotaFiles must be a whole number, or null' })
  @Min(0, { message: 'quotaFiles must be 0 or more, or null' })
  @Max(Number.MAX_SAFE_INTEGER, { message: 'quotaFiles is too large' })
  quotaFiles?: number | null;
}

export class UserDto {
  @ApiProperty() id: string;
  @ApiProperty() username: string;
  @ApiProperty({ enum: Role, isArray: true }) roles: string[];
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Byte quota set for this user; null: QUOTA_BYTES_PER_USER applies' })
  quotaBytes: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'File-count quota set for this user; null: QUOTA_FILES_PER_USER applies' })
  quotaFiles: number | null;
}

export const toUserDto = (user: User): UserDto => ({
  id: user.id,
  username: user.username,
  roles: user.roles,
  createdAt: user.createdAt.toISOString(),
  quotaBytes: user.quotaBytes ?? null,
  quotaFiles: user.quotaFiles ?? null,
});

/** GET /api/users: one page of users, with the paging envelope of the native listings. */
export class UserPageDto {
  @ApiProperty({ type: [UserDto] }) items: UserDto[];
  @ApiProperty({ description: 'How many users there are in all' }) total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}
