import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { LessThan, Repository } from 'typeorm';
import { TtlCache } from '../../common/cache/ttl-cache.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { AppConfig } from '../../config/app-config.js';
import { User } from '../../users/user.entity.js';
import { UsersService } from '../../users/users.service.js';
import { Principal } from '../principal.js';
import { Session } from './session.entity.js';

/**
 * How long this instance trusts a session it looked up, without asking the database again: a sign-out made on
 * another instance takes effect here within this long (at once on the instance that signed out).
 */
const SESSION_CACHE_MS = 5_000;

const hashOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** Console sign-in sessions, stored in PostgreSQL so that every instance accepts them and sign-out ends them. */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);
  private readonly recent = new TtlCache<{ userId: string; expiresAt: number }>(SESSION_CACHE_MS);

  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  /**
   * A new session for a user just authenticated: the cookie's secret (shown only here) and its end, SESSION_TTL_SECONDS
   * from now or `notAfter` (the end of the token it was opened with), whichever comes first.
   */
  async start(user: Pick<User, 'id' | 'username'>, notAfter?: Date): Promise<{ secret: string; expiresAt: Date }> {
    // Sign-ins are rare: a good moment to drop the sessions that ended on their own.
    await this.sessions.delete({ expiresAt: LessThan(new Date()) });
    const secret = randomBytes(32).toString('base64url');
    const ttlEnd = Date.now() + this.config.auth.sessionTtlSeconds * 1000;
    const expiresAt = new Date(notAfter ? Math.min(ttlEnd, notAfter.getTime()) : ttlEnd);
    await this.sessions.insert({ secretHash: hashOf(secret), userId: user.id, expiresAt });
    this.logger.log(`${user.username} signed in to the console`);
    return { secret, expiresAt };
  }

  /** Sign-out: the session ends on every instance (on this one at once). Unknown secrets are fine: already ended. */
  async end(secret: string): Promise<void> {
    const hash = hashOf(secret);
    this.recent.delete(hash);
    await this.sessions.delete({ secretHash: hash });
  }

  /** The caller behind a session cookie, with the user's current roles; 401 when unknown, ended or expired. */
  async authenticate(secret: string): Promise<Principal> {
    const hash = hashOf(secret);
    let session = this.recent.get(hash);
    if (!session) {
      const row = await this.sessions.findOneBy({ secretHash: hash });
      if (!row) throw unauthenticated('Your session has ended (signed out or expired): sign in again.');
      session = { userId: row.userId, expiresAt: row.expiresAt.getTime() };
      this.recent.setUntil(hash, session, session.expiresAt);
    }
    if (session.expiresAt <= Date.now()) throw unauthenticated('Your session has expired: sign in again.');
    const user = await this.users.findById(session.userId);
    if (!user) throw unauthenticated('Your session has ended: its user no longer exists.');
    return new Principal(user.id, user.username, user.roles);
  }
}

const unauthenticated = (message: string) => new DomainError(ErrorCode.Unauthenticated, message);
