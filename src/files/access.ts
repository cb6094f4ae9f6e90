import { Injectable } from '@nestjs/common';
import { Permission } from '../permissions/permissions.js';
import { Principal } from '../auth/principal.js';
import { FileMeta } from './file-meta.entity.js';
import { GrantPermission } from './sharing/file-grant.entity.js';
import { FileGrantsRepository } from './sharing/file-grants.repository.js';

/** What a caller may do with one file. Ordered: each level includes the ones below it. */
export enum FileAccess {
  None = 0,
  Read = 1,
  Write = 2,
}

/**
 * The one place that decides per-file access, for every API dialect: admins may do anything; the owner and
 * grant holders (directly or through a role) get the file-level access, capped by what their roles allow at all —
 * a WRITE grant to a viewer lets them read, not delete.
 */
@Injectable()
export class FileAccessPolicy {
  constructor(private readonly grants: FileGrantsRepository) {}

  async accessTo(principal: Principal, file: FileMeta): Promise<FileAccess> {
    return this.accessWithoutGrants(principal, file) ?? this.accessByGrants(principal, file);
  }

  /** The access of an admin or of the owner, known without looking up grants; undefined for anyone else. */
  accessWithoutGrants(principal: Principal, file: FileMeta): FileAccess | undefined {
    // Capped too: an admin's API token scoped to files:read reaches every file, but only to read it.
    if (principal.isAdmin) return capByRoles(principal, FileAccess.Write);
    if (file.ownerId !== null && file.ownerId === principal.userId) return capByRoles(principal, FileAccess.Write);
    return undefined;
  }

  /** The access grants give a caller who is neither an admin nor the owner (see accessWithoutGrants). */
  async accessByGrants(principal: Principal, file: FileMeta): Promise<FileAccess> {
    const granted = await this.grants.permissionsFor(file.id, principal.userId, principal.roles);
    const level = granted.includes(GrantPermission.Write) ? FileAccess.Write : granted.length > 0 ? FileAccess.Read : FileAccess.None;
    return capByRoles(principal, level);
  }

  async canRead(principal: Principal, file: FileMeta): Promise<boolean> {
    return (await this.accessTo(principal, file)) >= FileAccess.Read;
  }

  async canWrite(principal: Principal, file: FileMeta): Promise<boolean> {
    return (await this.accessTo(principal, file)) >= FileAccess.Write;
  }
}

function capByRoles(principal: Principal, level: FileAccess): FileAccess {
  if (level >= FileAccess.Write && principal.can(Permission.FileWrite)) return FileAccess.Write;
  if (level >= FileAccess.Read && principal.can(Permission.FileRead)) return FileAccess.Read;
  return FileAccess.None;
}
