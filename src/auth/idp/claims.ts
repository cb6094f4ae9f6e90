import { ALL_ROLES, Role } from '../../permissions/permissions.js';

/** A claim by name, or by dotted path into nested objects (`realm_access.roles`). An exact name wins. */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (path in payload) return payload[path];
  let value: unknown = payload;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The service roles among the claim's values (an array, or a space-separated string); the rest are ignored. */
export function rolesFromClaim(value: unknown): Role[] {
  const names = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/\s+/) : [];
  const known = new Set<string>(ALL_ROLES);
  return [...new Set(names.filter((name): name is Role => typeof name === 'string' && known.has(name)))].sort();
}

/** The username claim when it is a non-empty string, else `sub`. */
export function usernameFromClaims(payload: Record<string, unknown>, usernameClaim: string): string | undefined {
  const value = claimAt(payload, usernameClaim);
  if (typeof value === 'string' && value !== '') return value;
  return typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
}
