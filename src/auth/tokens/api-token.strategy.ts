import { Injectable } from '@nestjs/common';
import { Principal } from '../principal.js';
import { TokenStrategy } from '../strategies/token-strategy.js';
import { looksLikeApiToken } from './api-token-secret.js';
import { ApiTokensService } from './api-tokens.service.js';

/**
 * `stw_…` API tokens, in the same headers as JWTs. No cache of its own: a revoked token is refused at once, and the
 * lookup is one indexed query.
 */
@Injectable()
export class ApiTokenStrategy extends TokenStrategy {
  constructor(private readonly tokens: ApiTokensService) {
    super('api-token');
  }

  protected verifyToken(token: string): Promise<Principal> | undefined {
    return looksLikeApiToken(token) ? this.tokens.authenticate(token) : undefined;
  }
}
