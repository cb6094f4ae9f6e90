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

/** What the authentication guard tells every strategy about the route (passport's `authenticate` options). */
export interface CredentialOptions {
  /** The route carries `@TrustHasuraHeaders()`. */
  trustHasuraHeaders?: boolean;
}

/**
 * A passport strategy for one kind of credential. `verify` answers `undefined` for a request that does not carry its
 * kind (the next strategy of the guard gets it), a Principal for a valid one, and throws a DomainError for an invalid
 * one (the request fails at once with that message). It may answer at once, without a promise, from its own cache.
 */
export abstract class CredentialStrategy extends Strategy {
  constructor(readonly name: string) {
    super();
    passport.use(name, this);
  }

  protected abstract verify(req: Request, options: CredentialOptions): Principal | undefined | Promise<Principal | undefined>;

  override authenticate(req: Request, options?: CredentialOptions): void {
    let result: Principal | undefined | Promise<Principal | undefined>;
    try {
      result = this.verify(req, options ?? {});
    } catch (error) {
      return this.error(error as Error);
    }
    if (!(result instanceof Promise)) return this.settle(result);
    result.then(
      (principal) => this.settle(principal),
      (error: unknown) => this.error(error as Error),
    );
  }

  private settle(principal: Principal | undefined): void {
    if (principal) this.success(principal);
    else this.fail(401);
  }
}

/** A strategy for one kind of token in `x-molgenis-token` / `Authorization: Bearer`. */
export abstract class TokenStrategy extends CredentialStrategy {
  protected abstract verifyToken(token: string): Principal | undefined | Promise<Principal | undefined>;

  protected verify(req: Request): Principal | undefined | Promise<Principal | undefined> {
    const token = tokenOf(req);
    return token === undefined ? undefined : this.verifyToken(token);
  }
}
