import { Permission, permissionsOf } from '../permissions/permissions.js';
import { Scope, SCOPE_PERMISSIONS, scopeFor, sortScopes } from './scopes.js';

/** The authenticated caller of a request, as every service sees it. */
export class Principal {
  /** What the caller may do: what the roles grant, narrowed by the token's scopes when it has any. */
  readonly permissions: ReadonlySet<Permission>;
  /** What the roles alone grant. */
  private readonly granted: ReadonlySet<Permission>;

  constructor(
    readonly userId: string,
    readonly username: string,
    readonly roles: readonly string[],
    /** The scopes of the API token the caller used; undefined for every other credential (they are not scoped). */
    readonly scopes?: readonly Scope[],
  ) {
    this.granted = permissionsOf(roles);
    if (!scopes) {
      this.permissions = this.granted;
      return;
    }
    const allowed = new Set(scopes.flatMap((scope) => SCOPE_PERMISSIONS[scope]));
    this.permissions = new Set([...this.granted].filter((permission) => allowed.has(permission)));
  }

  can(permission: Permission): boolean {
    return this.permissions.has(permission);
  }

  get isAdmin(): boolean {
    return this.can(Permission.FileAdmin);
  }

  /** The scope that is all the caller lacks for a permission its roles grant; undefined when that is not the case. */
  missingScopeFor(permission: Permission): Scope | undefined {
    return this.scopes && this.granted.has(permission) && !this.permissions.has(permission) ? scopeFor(permission) : undefined;
  }

  /** The token's scopes that its owner's roles back up right now; undefined when the credential is not scoped. */
  get effectiveScopes(): Scope[] | undefined {
    return this.scopes && sortScopes(this.scopes.filter((scope) => SCOPE_PERMISSIONS[scope].some((p) => this.granted.has(p))));
  }
}
