import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditAction } from '../../audit/audit-action.js';
import { AuditService } from '../../audit/audit.service.js';
import { badRequest, DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { AppConfig } from '../../config/app-config.js';
import { isIdpUser } from '../../users/idp-users.service.js';
import { User } from '../../users/user.entity.js';
import { UsersService } from '../../users/users.service.js';
import { Principal } from '../principal.js';
import { DEFAULT_SCOPES, insufficientScope, Scope, sortScopes } from '../scopes.js';
import { ApiToken } from './api-token.entity.js';
import { hashApiToken, newApiTokenSecret } from './api-token-secret.js';
import { isUuid } from '../../common/uuid.js';

/** last_used_at is a hint, not an audit log: one write a minute per token at most. */
const LAST_USED_PRECISION_MS = 60_000;

/** API tokens: created and revoked by their owner, checked on every request that carries one. */
@Injectable()
export class ApiTokensService {
  private readonly logger = new Logger(ApiTokensService.name);

  private readonly maxIdleMs: number;

  constructor(
    @InjectRepository(ApiToken) private readonly tokens: Repository<ApiToken>,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    config: AppConfig,
  ) {
    this.maxIdleMs = config.auth.idpTokenMaxIdleSeconds * 1000;
  }

  /** The new token and its secret, which is returned this once and stored only as a hash. */
  create(
    principal: Principal,
    request: { description: string; expiresAt?: Date; scopes?: readonly Scope[] },
  ): Promise<{ token: ApiToken; secret: string }> {
    return this.audit.track(AuditAction.TokenCreate, { actor: principal, targetOf: ({ token }) => token.id }, () =>
      this.createAudited(principal, request),
    );
  }

  private async createAudited(
    principal: Principal,
    request: { description: string; expiresAt?: Date; scopes?: readonly Scope[] },
  ): Promise<{ token: ApiToken; secret: string }> {
    if (request.expiresAt && request.expiresAt.getTime() <= Date.now()) throw badRequest('expiresAt must be in the future.');
    const scopes = sortScopes(request.scopes ?? DEFAULT_SCOPES);
    // A token making a token: never wider than itself, or a leaked files:read token could mint an admin one.
    const beyond = principal.scopes && scopes.find((scope) => !principal.scopes!.includes(scope));
    if (beyond) {
      throw insufficientScope(
        beyond,
        principal.scopes,
        `A token can only create tokens within its own scopes (${principal.scopes.join(', ')}): '${beyond}' is not one of them. Name the scopes, or sign in.`,
      );
    }
    const secret = newApiTokenSecret();
    const token = await this.tokens.save(
      this.tokens.create({
        userId: principal.userId,
        tokenHash: hashApiToken(secret),
        description: request.description,
        scopes,
        expiresAt: request.expiresAt ?? null,
        lastUsedAt: null,
      }),
    );
    this.logger.log(`${principal.username} created API token ${token.id} (${scopes.join(', ')})`);
    return { token, secret };
  }

  list(principal: Principal, limit: number, offset: number): Promise<[ApiToken[], number]> {
    return this.tokens.findAndCount({
      where: { userId: principal.userId },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  /** Only the owner revokes; someone else's token id answers 404, as if it did not exist. */
  revoke(principal: Principal, id: string): Promise<void> {
    return this.audit.track(AuditAction.TokenRevoke, { actor: principal, target: id }, () => this.revokeAudited(principal, id));
  }

  private async revokeAudited(principal: Principal, id: string): Promise<void> {
    const result = isUuid(id) ? await this.tokens.delete({ id, userId: principal.userId }) : { affected: 0 };
    if ((result.affected ?? 0) === 0) throw new DomainError(ErrorCode.NotFound, `API token '${id}' was not found.`);
    this.logger.log(`${principal.username} revoked API token ${id}`);
  }

  /**
   * The caller a token stands for, with its owner's current roles narrowed by its scopes; 401 when unknown, revoked,
   * expired, or owned by an IdP user who has not presented a valid IdP token for IDP_TOKEN_MAX_IDLE_SECONDS.
   */
  async authenticate(secret: string): Promise<Principal> {
    const token = await this.tokens.findOneBy({ tokenHash: hashApiToken(secret) });
    if (!token) throw unauthenticated('Invalid API token: it is unknown or was revoked.');
    if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) throw unauthenticated('Invalid API token: it has expired.');
    // The row cascades away with its owner, but a deletion racing this request must not slip through.
    const user = await this.users.findById(token.userId);
    if (!user) throw unauthenticated('Invalid API token: its user no longer exists.');
    if (isIdpUser(user) && this.isIdle(user)) {
      throw unauthenticated(
        `Invalid API token: its owner ${user.username} has not signed in through the identity provider within the last ` +
          `${duration(this.maxIdleMs / 1000)} (IDP_TOKEN_MAX_IDLE_SECONDS), so the tokens of that account are paused. ` +
          'Sign in through the identity provider again (any request here with one of its tokens), then this token works again.',
      );
    }
    await this.touch(token);
    return new Principal(user.id, user.username, user.roles, token.scopes);
  }

  /** An account the IdP may have disabled: no valid IdP token from it for too long (or ever, since the upgrade). */
  private isIdle(user: User): boolean {
    return !user.idpLastSeenAt || Date.now() - user.idpLastSeenAt.getTime() > this.maxIdleMs;
  }

  private async touch(token: ApiToken): Promise<void> {
    const now = new Date();
    if (token.lastUsedAt && now.getTime() - token.lastUsedAt.getTime() < LAST_USED_PRECISION_MS) return;
    const stale = new Date(now.getTime() - LAST_USED_PRECISION_MS);
    // Conditional, so that concurrent requests do not all write.
    await this.tokens
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: now })
      .where('id = :id AND (last_used_at IS NULL OR last_used_at < :stale)', { id: token.id, stale })
      .execute();
  }
}

const unauthenticated = (message: string) => new DomainError(ErrorCode.Unauthenticated, message);

/** 604800 → "7 days", 90 → "90 seconds". */
function duration(seconds: number): string {
  const [unit, size] = (
    [
      ['day', 86400],
      ['hour', 3600],
      ['minute', 60],
    ] as const
  ).find(([, s]) => seconds % s === 0) ?? ['second', 1];
  const count = seconds / size;
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
