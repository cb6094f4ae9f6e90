/** What a route may demand of its caller. Per-file rules (ownership, grants) live in the files service. */
export enum Permission {
  /** Read files one may access. */
  FileRead = 'file:read',
  /** Upload files, and change or delete files one may write. */
  FileWrite = 'file:write',
  /** Read and write every file, whoever owns it. */
  FileAdmin = 'file:admin',
  /** Create, list and delete users. */
  UserManage = 'user:manage',
}

export enum Role {
  Admin = 'admin',
  Editor = 'editor',
  Viewer = 'viewer',
}

export const ALL_ROLES = Object.values(Role);

/** The one map from roles to permissions. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  [Role.Admin]: [Permission.FileRead, Permission.FileWrite, Permission.FileAdmin, Permission.UserManage],
  [Role.Editor]: [Permission.FileRead, Permission.FileWrite],
  [Role.Viewer]: [Permission.FileRead],
};

export function permissionsOf(roles: readonly string[]): Set<Permission> {
  return new Set(roles.flatMap((role) => ROLE_PERMISSIONS[role as Role] ?? []));
}
