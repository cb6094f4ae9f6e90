import type { Request } from 'express';
import passport from 'passport';
import { Strategy } from 'passport-strategy';
import { Principal } from '../principal.js';

/** The caller's credential: `x-molgenis-token`, else `Authorization: Bearer`. */
export function tokenOf(req: Request): string | undefined {
  const molgenis = req.headers['x-molgenis-token'];
  if (typeof molgenis === 'string' && molgenis.trim() !== '') return molgenis.trim();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/**
 * A passport strategy for one kind of token. `verify` answers `undefined` for a token that is not its kind (the
 * next strategy of the guard gets it), a Principal for a valid one, and throws a DomainError for an invalid one
 * (the request fails at once with that message).
 */
export abstract class TokenStrategy extends Strategy {
  constructor(readonly name: string) {
    super();
    passport.use(name, this);
  }

  protected abstract verify(token: string): Promise<Principal | undefined>;

  override authenticate(req: Request): void {
    const token = tokenOf(req);
    if (!token) return this.fail(401);
    this.verify(token).then(
      (principal) => (principal ? this.success(principal) : this.fail(401)),
      (error: unknown) => this.error(error as Error),
    );
  }
}
