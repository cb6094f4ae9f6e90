import { describe, expect, it } from '@jest/globals';
import { claimAt, rolesFromClaim, usernameFromClaims } from './claims.js';

describe('IdP claims', () => {
  it('reads a claim by name or by dotted path, an exact name first', () => {
    const payload = { roles: ['editor'], realm_access: { roles: ['viewer'] }, 'https://x.example/roles': ['admin'] };
    expect(claimAt(payload, 'roles')).toEqual(['editor']);
    expect(claimAt(payload, 'realm_access.roles')).toEqual(['viewer']);
    expect(claimAt(payload, 'https://x.example/roles')).toEqual(['admin']);
    expect(claimAt(payload, 'realm_access.missing.deeper')).toBeUndefined();
    expect(claimAt({ a: ['x'] }, 'a.0')).toBeUndefined();
  });

  it('keeps only the service roles, from an array or a space-separated string', () => {
    expect(rolesFromClaim(['offline_access', 'editor', 'editor', 7, 'viewer'])).toEqual(['editor', 'viewer']);
    expect(rolesFromClaim('uma_authorization admin')).toEqual(['admin']);
    expect(rolesFromClaim(undefined)).toEqual([]);
    expect(rolesFromClaim({ admin: true })).toEqual([]);
  });

  it('takes the username claim, falling back to sub', () => {
    expect(usernameFromClaims({ preferred_username: 'alice', sub: 'x' }, 'preferred_username')).toBe('alice');
    expect(usernameFromClaims({ preferred_username: '', sub: 'x-1' }, 'preferred_username')).toBe('x-1');
    expect(usernameFromClaims({ email: 42 }, 'email')).toBeUndefined();
  });
});
