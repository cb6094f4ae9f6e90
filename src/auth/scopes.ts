import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { Permission } from '../permissions/permissions.js';

/** What an API token may be used for. A scope never grants anything by itself: the owner's roles must too. */
export enum Scope {
  FilesRead = 'files:read',
  FilesWrite = 'files:write',
  UsersManage = 'users:manage',
}

export const ALL_SCOPES = Object.values(Scope);

/** A token created without `scopes`: everything about files, nothing about users. */
export const DEFAULT_SCOPES: readonly Scope[] = [Scope.FilesRead, Scope.FilesWrite];

/**
 * The one map from scopes to permissions. `file:admin` (every file, not only one's own and shared ones) is a reach,
 * not an action: it comes with either files scope, so an admin's file token reaches every file, and what it may do
 * there is still read (files:read) or write (files:write).
 */
export const SCOPE_PERMISSIONS: Record<Scope, readonly Permission[]> = {
  [Scope.FilesRead]: [Permission.FileRead, Permission.FileAdmin],
  [Scope.FilesWrite]: [Permission.FileWrite, Permission.FileAdmin],
  [Scope.UsersManage]: [Permission.UserManage],
};

/** The scope a token needs for a permission (file:admin: files:read, the lesser of the two that carry it). */
export function scopeFor(permission: Permission): Scope {
  return ALL_SCOPES.find((scope) => SCOPE_PERMISSIONS[scope].includes(permission))!;
}

/** Scopes in their canonical order, without repeats. */
export const sortScopes = (scopes: Iterable<Scope>): Scope[] => {
  const set = new Set(scopes);
  return ALL_SCOPES.filter((scope) => set.has(scope));
};

/** 403 for an API token whose owner may do this but whose scopes do not cover it (RFC 6750's insufficient_scope). */
export function insufficientScope(
  missing: Scope,
  scopes: readonly Scope[],
  message = `This requires the '${missing}' scope, which this API token does not have (its scopes: ${scopes.join(', ')}). Use a token with it.`,
): DomainError {
  return new DomainError(ErrorCode.InsufficientScope, message, {
    'WWW-Authenticate': `Bearer realm="stowage", error="insufficient_scope", scope="${missing}", error_description="${message.replace(/["\\]/g, "'")}"`,
  });
}
