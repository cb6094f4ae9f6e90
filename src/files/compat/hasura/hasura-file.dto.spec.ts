import { describe, expect, it } from '@jest/globals';
import { HasuraPrincipal, roleOfHasuraRole } from '../../../auth/hasura/hasura-principal.js';
import { Principal } from '../../../auth/principal.js';
import { FileMeta } from '../../file-meta.entity.js';
import { hasuraRoleOf, hasuraUserIdOf, toHasuraFile } from './hasura-file.dto.js';

describe('Hasura mapping', () => {
  it('maps X-Hasura-Role onto our roles; unknown or absent roles only read', () => {
    expect(roleOfHasuraRole('admin')).toBe('admin');
    expect(roleOfHasuraRole(' User ')).toBe('editor');
    expect(roleOfHasuraRole('editor')).toBe('editor');
    for (const other of ['anonymous', 'viewer', 'superuser', '', undefined]) expect(roleOfHasuraRole(other)).toBe('viewer');
  });

  it("reports the gateway's role and id for trusted callers, numbers as numbers", () => {
    expect(hasuraUserIdOf(new HasuraPrincipal('u', 'hasura:42', '42', 'user'))).toBe(42);
    expect(hasuraUserIdOf(new HasuraPrincipal('u', 'hasura:007', '007', 'user'))).toBe('007');
    expect(hasuraUserIdOf(new HasuraPrincipal('u', 'hasura:x', 'auth0_x', 'user'))).toBe('auth0_x');
    expect(hasuraUserIdOf(new HasuraPrincipal('u', 'hasura:9', '9'.repeat(16), 'user'))).toBe('9'.repeat(16));
    expect(hasuraRoleOf(new HasuraPrincipal('u', 'hasura:42', '42', 'user'))).toBe('user');
    expect(hasuraRoleOf(new HasuraPrincipal('u', 'hasura:42', '42', ''))).toBe('viewer');
  });

  it("reports a token caller's id and most powerful role", () => {
    expect(hasuraUserIdOf(new Principal('uuid-1', 'alice', ['viewer']))).toBe('uuid-1');
    expect(hasuraRoleOf(new Principal('uuid-1', 'alice', ['viewer', 'admin', 'editor']))).toBe('admin');
    expect(hasuraRoleOf(new Principal('uuid-1', 'alice', ['viewer', 'editor']))).toBe('editor');
    expect(hasuraRoleOf(new Principal('uuid-1', 'alice', []))).toBe('');
  });

  it('maps a file to the filestore record', () => {
    const file = Object.assign(new FileMeta(), {
      id: 'f1',
      contentType: 'image/png',
      size: 351667,
      createdAt: new Date('2017-04-25T08:26:22.834Z'),
    });
    expect(toHasuraFile(file, new Principal('uuid-1', 'alice', ['editor']))).toEqual({
      file_id: 'f1',
      content_type: 'image/png',
      file_status: 'uploaded',
      file_size: 351667,
      user_id: 'uuid-1',
      user_role: 'editor',
      created_at: '2017-04-25T08:26:22.834Z',
    });
  });
});
