import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { badRequest, DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { UsersService } from '../../users/users.service.js';
import { Principal } from '../principal.js';
import { ApiToken } from './api-token.entity.js';
import { hashApiToken, newApiTokenSecret } from './api-token-secret.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** last_used_at is a hint, not an audit log: one write a minute per token at most. */
const LAST_USED_PRECISION_MS = 60_000;

/** API tokens: created and revoked by their owner, checked on every request that carries one. */
@Injectable()
export class ApiTokensService {
  private readonly logger = new Logger(ApiTokensService.name);

  constructor(
    @InjectRepository(ApiToken) private readonly tokens: Repository<ApiToken>,
    private readonly users: UsersService,
  ) {}

  /** The new token and its secret, which is returned this once and stored only as a hash. */
  async create(principal: Principal, description: string, expiresAt?: Date): Promise<{ token: ApiToken; secret: string }> {
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw badRequest('expiresAt must be in the future.');
    const secret = newApiTokenSecret();
    const token = await this.tokens.save(
      this.tokens.create({
        userId: principal.userId,
        tokenHash: hashApiToken(secret),
        description,
        expiresAt: expiresAt ?? null,
        lastUsedAt: null,
      }),
    );
    this.logger.log(`${principal.username} created API token ${token.id}`);
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
  async revoke(principal: Principal, id: string): Promise<void> {
    const result = UUID.test(id) ? await this.tokens.delete({ id, userId: principal.userId }) : { affected: 0 };
    if ((result.affected ?? 0) === 0) throw new DomainError(ErrorCode.NotFound, `API token '${id}' was not found.`);
    this.logger.log(`${principal.username} revoked API token ${id}`);
  }

  /** The caller a token stands for, with its owner's current roles; 401 when unknown, revoked or expired. */
  async authenticate(secret: string): Promise<Principal> {
    const token = await this.tokens.findOneBy({ tokenHash: hashApiToken(secret) });
    if (!token) throw unauthenticated('Invalid API token: it is unknown or was revoked.');
    if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) throw unauthenticated('Invalid API token: it has expired.');
    // The row cascades away with its owner, but a deletion racing this request must not slip through.
    const user = await this.users.findById(token.userId);
    if (!user) throw unauthenticated('Invalid API token: its user no longer exists.');
    await this.touch(token);
    return new Principal(user.id, user.username, user.roles);
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
