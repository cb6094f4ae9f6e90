import { Permission, permissionsOf } from './permissions.js';

/** The authenticated caller of a request, as every service sees it. */
export class Principal {
  readonly permissions: ReadonlySet<Permission>;

  constructor(
    readonly userId: string,
    readonly username: string,
    readonly roles: readonly string[],
  ) {
    this.permissions = permissionsOf(roles);
  }

  can(permission: Permission): boolean {
    return this.permissions.has(permission);
  }

  get isAdmin(): boolean {
    return this.can(Permission.FileAdmin);
  }
}
