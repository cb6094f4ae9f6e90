import { describe, expect, it } from '@jest/globals';
import { Permission, permissionsOf, Role } from '../permissions/permissions.js';
import { Principal } from './principal.js';
import { Scope, scopeFor } from './scopes.js';

describe('roles and permissions', () => {
  it('grants each role what the product rules say', () => {
    expect([...permissionsOf([Role.Admin])].sort()).toEqual(
      [Permission.FileAdmin, Permission.FileRead, Permission.FileWrite, Permission.UserManage].sort(),
    );
    expect([...permissionsOf([Role.Editor])].sort()).toEqual([Permission.FileRead, Permission.FileWrite].sort());
    expect([...permissionsOf([Role.Viewer])]).toEqual([Permission.FileRead]);
  });

  it('unions several roles and ignores unknown ones', () => {
    expect(permissionsOf(['viewer', 'editor', 'wizard']).has(Permission.FileWrite)).toBe(true);
    expect(permissionsOf(['wizard']).size).toBe(0);
  });

  it('only admins are admins', () => {
    expect(new Principal('1', 'a', ['admin']).isAdmin).toBe(true);
    expect(new Principal('2', 'e', ['editor']).isAdmin).toBe(false);
  });

  it('an API token may do what both its scopes and its owner’s roles allow', () => {
    const adminFiles = new Principal('1', 'a', [Role.Admin], [Scope.FilesRead, Scope.FilesWrite]);
    expect([...adminFiles.permissions].sort()).toEqual([Permission.FileAdmin, Permission.FileRead, Permission.FileWrite].sort());
    expect(adminFiles.missingScopeFor(Permission.UserManage)).toBe(Scope.UsersManage);
    expect(adminFiles.effectiveScopes).toEqual([Scope.FilesRead, Scope.FilesWrite]);

    const viewer = new Principal('2', 'v', [Role.Viewer], [Scope.FilesRead, Scope.FilesWrite, Scope.UsersManage]);
    expect([...viewer.permissions]).toEqual([Permission.FileRead]);
    // The roles, not the scope, are what is missing: no scope would help.
    expect(viewer.missingScopeFor(Permission.FileWrite)).toBeUndefined();
    expect(viewer.effectiveScopes).toEqual([Scope.FilesRead]);

    const managerOnly = new Principal('3', 'm', [Role.Admin], [Scope.UsersManage]);
    expect(managerOnly.isAdmin).toBe(false);
    expect(managerOnly.missingScopeFor(Permission.FileRead)).toBe(Scope.FilesRead);
  });

  it('login tokens are not scoped', () => {
    const user = new Principal('1', 'a', [Role.Editor]);
    expect(user.effectiveScopes).toBeUndefined();
    expect(user.missingScopeFor(Permission.UserManage)).toBeUndefined();
    expect(scopeFor(Permission.FileAdmin)).toBe(Scope.FilesRead);
  });
});
