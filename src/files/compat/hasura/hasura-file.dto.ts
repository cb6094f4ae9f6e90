import { ApiProperty } from '@nestjs/swagger';
import { HasuraPrincipal } from '../../../auth/hasura/hasura-principal.js';
import { ALL_ROLES } from '../../../permissions/permissions.js';
import { Principal } from '../../../auth/principal.js';
import { FileMeta } from '../../file-meta.entity.js';

/** The Hasura filestore's file record, answered by upload and delete. */
export class HasuraFileDto {
  @ApiProperty({ example: '05c40f1e-cdaf-4e29-8976-38c899' }) file_id: string;
  @ApiProperty({ example: 'image/png' }) content_type: string;
  @ApiProperty({ enum: ['uploaded'], example: 'uploaded' }) file_status: 'uploaded';
  @ApiProperty({ example: 351667, description: 'Bytes' }) file_size: number;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'integer' }],
    example: 42,
    description: "The caller's id: our user id (UUID), or X-Hasura-User-Id when headers are trusted (a number when it is one)",
  })
  user_id: string | number;
  @ApiProperty({
    example: 'user',
    description: "The caller's role: X-Hasura-Role when headers are trusted, else its highest role (admin, editor, viewer)",
  })
  user_role: string;
  @ApiProperty({ example: '2017-04-25T08:26:22.834Z', format: 'date-time' }) created_at: string;
}

/** The role to report: the one the gateway named, else the caller's most powerful role. */
export function hasuraRoleOf(principal: Principal): string {
  if (principal instanceof HasuraPrincipal && principal.hasuraRole) return principal.hasuraRole;
  return ALL_ROLES.find((role) => principal.roles.includes(role)) ?? principal.roles[0] ?? '';
}

/** Hasura's user ids are integers: an external id that is one is reported as a number. */
export function hasuraUserIdOf(principal: Principal): string | number {
  if (!(principal instanceof HasuraPrincipal)) return principal.userId;
  return /^(0|[1-9]\d{0,14})$/.test(principal.externalUserId) ? Number(principal.externalUserId) : principal.externalUserId;
}

/** `user_id` / `user_role` describe the caller of this request (see docs/hasura-api.md). */
export const toHasuraFile = (file: FileMeta, caller: Principal): HasuraFileDto => ({
  file_id: file.id,
  content_type: file.contentType,
  file_status: 'uploaded',
  file_size: file.size,
  user_id: hasuraUserIdOf(caller),
  user_role: hasuraRoleOf(caller),
  created_at: file.createdAt.toISOString(),
});
