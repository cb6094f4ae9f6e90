import { Role } from '../../permissions/permissions.js';
import { Principal } from '../principal.js';

/** Hasura's role names, mapped onto ours: anything unknown (e.g. `anonymous`) may only read. */
export function roleOfHasuraRole(hasuraRole: string | undefined): Role {
  switch (hasuraRole?.trim().toLowerCase()) {
    case 'admin':
      return Role.Admin;
    case 'user':
    case 'editor':
      return Role.Editor;
    default:
      return Role.Viewer;
  }
}

/** A caller authenticated by a trusted gateway's X-Hasura-* headers (HASURA_TRUST_HEADERS). */
export class HasuraPrincipal extends Principal {
  constructor(
    userId: string,
    username: string,
    /** X-Hasura-User-Id, as the gateway sent it. */
    readonly externalUserId: string,
    /** X-Hasura-Role, as the gateway sent it ('' when absent). */
    readonly hasuraRole: string,
  ) {
    super(userId, username, [roleOfHasuraRole(hasuraRole)]);
  }
}
