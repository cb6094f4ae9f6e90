import { ApiProperty } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ALL_ROLES, Role } from '../../auth/permissions.js';
import { User } from '../user.entity.js';

export class CreateUserDto {
  @ApiProperty({ example: 'alice', pattern: '^[A-Za-z0-9._@-]{1,64}$' })
  @IsString()
  @Matches(/^[A-Za-z0-9._@-]{1,64}$/, { message: 'username must be 1-64 of A-Z a-z 0-9 . _ @ -' })
  username: string;

  @ApiProperty({ example: 'a-long-passphrase', minLength: 8 })
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

export class UserDto {
  @ApiProperty() id: string;
  @ApiProperty() username: string;
  @ApiProperty({ enum: Role, isArray: true }) roles: string[];
  @ApiProperty() createdAt: string;
}

export const toUserDto = (user: User): UserDto => ({
  id: user.id,
  username: user.username,
  roles: user.roles,
  createdAt: user.createdAt.toISOString(),
});
