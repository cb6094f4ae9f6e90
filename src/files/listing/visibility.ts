import { SelectQueryBuilder } from 'typeorm';
import { Principal } from '../../auth/principal.js';
import { FileMeta } from '../file-meta.entity.js';

/**
 * Which files a caller may see in a listing: their own, those granted to them or to one of their roles
 * (file_grants), or all of them for admins. It must stay in step with FileAccessPolicy (src/files/access.ts).
 * The query's file alias must be `f`. The granted ids are read first (an InitPlan over the grant indexes) into an
 * array, so that `owner_id = … OR id = ANY(array)` is a BitmapOr of the owner index and the primary key: a
 * non-admin's listing costs what they can see. (`OR EXISTS (grant)` reads every row of file_meta; `id IN (owned
 * UNION granted)` joins a whole large owner's set before it can sort.)
 */
export function applyVisibility(qb: SelectQueryBuilder<FileMeta>, principal: Principal): SelectQueryBuilder<FileMeta> {
  if (principal.isAdmin) return qb;
  return qb.andWhere(
    `(f.ownerId = :visibleToUserId OR f.id = ANY(ARRAY(
       SELECT ug.file_id FROM file_grants ug WHERE ug.user_id = :visibleToUserId
       UNION ALL SELECT rg.file_id FROM file_grants rg WHERE rg.role = ANY(:visibleToRoles)
     )))`,
    { visibleToUserId: principal.userId, visibleToRoles: [...principal.roles] },
  );
}

/** Marks a listed row that the caller sees through a grant (or, for admins, their role) rather than by owning it. */
export const isSharedWith = (principal: Principal, file: FileMeta): boolean => file.ownerId !== principal.userId;
