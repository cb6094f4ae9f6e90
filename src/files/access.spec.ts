import { describe, expect, it } from '@jest/globals';
import { Role } from '../permissions/permissions.js';
import { Principal } from '../auth/principal.js';
import { Scope } from '../auth/scopes.js';
import { FileAccess, FileAccessPolicy } from './access.js';
import { FileMeta } from './file-meta.entity.js';
import { GrantPermission } from './sharing/file-grant.entity.js';
import { FileGrantsRepository } from './sharing/file-grants.repository.js';

const OWNER = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';

/** A policy over fixed grants, counting how often it had to look them up. */
function policyWithGrants(granted: GrantPermission[]) {
  const lookups: string[] = [];
  const grants = {
    permissionsFor: (fileId: string) => {
      lookups.push(fileId);
      return Promise.resolve(granted);
    },
  } as unknown as FileGrantsRepository;
  return { policy: new FileAccessPolicy(grants), lookups };
}

const file = Object.assign(new FileMeta(), { id: 'f1', ownerId: OWNER });

describe('FileAccessPolicy', () => {
  it('knows an admin and the owner without looking up grants, capped by the owner roles', async () => {
    const { policy, lookups } = policyWithGrants([]);
    expect(policy.accessWithoutGrants(new Principal(OTHER, 'root', [Role.Admin]), file)).toBe(FileAccess.Write);
    expect(policy.accessWithoutGrants(new Principal(OWNER, 'ed', [Role.Editor]), file)).toBe(FileAccess.Write);
    expect(policy.accessWithoutGrants(new Principal(OWNER, 'vi', [Role.Viewer]), file)).toBe(FileAccess.Read);
    expect(policy.accessWithoutGrants(new Principal(OWNER, 'none', []), file)).toBe(FileAccess.None);
    expect(await policy.accessTo(new Principal(OWNER, 'ed', [Role.Editor]), file)).toBe(FileAccess.Write);
    expect(lookups).toEqual([]);
  });

  it('caps an API token by its scopes: an admin token with files:read reaches every file, to read it', () => {
    const { policy } = policyWithGrants([]);
    expect(policy.accessWithoutGrants(new Principal(OTHER, 'root', [Role.Admin], [Scope.FilesRead]), file)).toBe(FileAccess.Read);
    expect(policy.accessWithoutGrants(new Principal(OTHER, 'root', [Role.Admin], [Scope.UsersManage]), file)).toBeUndefined();
    expect(policy.accessWithoutGrants(new Principal(OWNER, 'ed', [Role.Editor], [Scope.FilesRead]), file)).toBe(FileAccess.Read);
  });

  it('leaves anyone else to the grants, capped by their roles', async () => {
    const editor = new Principal(OTHER, 'ed', [Role.Editor]);
    const viewer = new Principal(OTHER, 'vi', [Role.Viewer]);
    const none = policyWithGrants([]);
    expect(none.policy.accessWithoutGrants(editor, file)).toBeUndefined();
    expect(await none.policy.accessTo(editor, file)).toBe(FileAccess.None);
    expect(none.lookups).toEqual(['f1']);

    const write = policyWithGrants([GrantPermission.Read, GrantPermission.Write]);
    expect(await write.policy.accessTo(editor, file)).toBe(FileAccess.Write);
    expect(await write.policy.accessTo(viewer, file)).toBe(FileAccess.Read);
    expect(await write.policy.canWrite(viewer, file)).toBe(false);
    expect(await policyWithGrants([GrantPermission.Read]).policy.canRead(viewer, file)).toBe(true);
  });

  it('gives no one the owner access of a file without an owner', () => {
    const { policy } = policyWithGrants([]);
    const orphan = Object.assign(new FileMeta(), { id: 'f2', ownerId: null });
    expect(policy.accessWithoutGrants(new Principal(OTHER, 'ed', [Role.Editor]), orphan)).toBeUndefined();
  });
});
