import { SelectQueryBuilder } from 'typeorm';
import { Principal } from '../../auth/principal.js';
import { FileMeta } from '../file-meta.entity.js';

/**
 * Which files a caller may see in a listing: their own, those granted to them or to one of their roles
 * (file_grants), or all of them for admins. It must stay in step with FileAccessPolicy (src/files/access.ts).
 * The query's file alias must be `f`; the EXISTS uses the (file_id, user_id) / (file_id, role) grant indexes.
 */
export function applyVisibility(qb: SelectQueryBuilder<FileMeta>, principal: Principal): SelectQueryBuilder<FileMeta> {
  if (principal.isAdmin) return qb;
  return qb.andWhere(
    `(f.ownerId = :visibleToUserId OR EXISTS (
       SELECT 1 FROM file_grants g WHERE g.file_id = f.id AND (g.user_id = :visibleToUserId OR g.role = ANY(:visibleToRoles))
     ))`,
    { visibleToUserId: principal.userId, visibleToRoles: [...principal.roles] },
  );
}

/** Marks a listed row that the caller sees through a grant (or, for admins, their role) rather than by owning it. */
export const isSharedWith = (principal: Principal, file: FileMeta): boolean => file.ownerId !== principal.userId;
