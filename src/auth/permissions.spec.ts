import { describe, expect, it } from '@jest/globals';
import { Permission, permissionsOf, Role } from './permissions.js';
import { Principal } from './principal.js';

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
});
