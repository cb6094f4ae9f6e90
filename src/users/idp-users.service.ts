import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { TtlCache } from '../common/cache/ttl-cache.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AppConfig } from '../config/app-config.js';
import { User } from './user.entity.js';
import { UsersService } from './users.service.js';
import { isUniqueViolation } from '../database/pg-errors.js';

/**
 * Username prefix of identity-provider users. ':' is not allowed in local usernames, so an IdP account can never take
 * over a local one (say, `admin`) by choosing its name.
 */
export const IDP_USERNAME_PREFIX = 'idp:';
/** What the names of IdP users were made of before issue 14 (and what display names are made to fit). */
const LEGACY_NAME = /^[A-Za-z0-9._@-]{1,60}$/;
/** users.username is varchar(64). */
const MAX_USERNAME = 64;
/** `idp:alice~2`: '~' is in no name, so the suffix cannot be confused with one. */
const SUFFIX = /~\d+$/;

export const isIdpUser = (user: User): boolean => user.username.startsWith(IDP_USERNAME_PREFIX);

/** Who a verified IdP token says the caller is. */
export interface IdpIdentity {
  issuer: string;
  subject: string;
  /** The display name it asks for (JWT_USERNAME_CLAIM, else sub), as given. */
  name: string;
  roles: string[];
}

/** `idp:` + the name made to fit the username alphabet: accents dropped, other characters become `_`. */
export function displayUsername(name: string): string {
  const fitted = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._@-]/g, '_')
    .slice(0, 60);
  return IDP_USERNAME_PREFIX + (fitted || 'user');
}

/**
 * IdP users, keyed on (issuer, subject): the name is only for display (and for sharing by username), so two subjects
 * with the same name are two users, the second shown as `idp:<name>~2`. Rows recorded before that (`idp:<name>`, with
 * no subject) go to the first subject whose token the old rule maps to them: the same claim, JWT_USERNAME_CLAIM or
 * else sub, that named them. Each sign-in records when the user last presented a valid IdP token (their API tokens
 * depend on it), at most once per SEEN_PRECISION, and follows the IdP's roles and name.
 */
@Injectable()
export class IdpUsersService {
  private readonly logger = new Logger(IdpUsersService.name);
  /** (issuer, subject) → user id, so that a repeat sign-in is a cached findById. */
  private readonly ids = new TtlCache<string>(60_000);
  private readonly seenPrecisionMs: number;

  constructor(
    @InjectRepository(User) private readonly repository: Repository<User>,
    private readonly users: UsersService,
    config: AppConfig,
  ) {
    // A minute, or less when the idle limit is short, so that the recorded time is never far behind.
    this.seenPrecisionMs = Math.min(60_000, (config.auth.idpTokenMaxIdleSeconds * 1000) / 4);
  }

  /** The user behind a verified IdP token, recorded on first sight, brought up to date with the token. */
  async signIn(identity: IdpIdentity): Promise<User> {
    const user = (await this.find(identity)) ?? (await this.claimLegacy(identity)) ?? (await this.create(identity));
    return this.refresh(user, identity);
  }

  private async find({ issuer, subject }: IdpIdentity): Promise<User | null> {
    const key = `${issuer}\n${subject}`;
    const id = this.ids.get(key);
    const cached = id === undefined ? null : await this.users.findById(id);
    if (cached) return cached;
    const user = await this.repository.findOneBy({ idpIssuer: issuer, idpSubject: subject });
    if (user) {
      this.ids.set(key, user.id);
      this.users.remember(user);
    }
    return user;
  }

  /** A row recorded before users were keyed on the subject, which this token would have signed in as. */
  private async claimLegacy(identity: IdpIdentity): Promise<User | null> {
    if (!LEGACY_NAME.test(identity.name)) return null;
    const username = IDP_USERNAME_PREFIX + identity.name;
    // Conditional: of two subjects racing for one row, one gets it.
    const result = await this.repository
      .createQueryBuilder()
      .update()
      .set({ idpIssuer: identity.issuer, idpSubject: identity.subject })
      .where('username = :username AND idp_subject IS NULL', { username })
      .execute();
    if (!result.affected) return null;
    this.logger.log(
      `Bound ${username}, recorded before users were keyed on their subject, to subject ${identity.subject} of ${identity.issuer}`,
    );
    return this.find(identity);
  }

  private async create(identity: IdpIdentity): Promise<User> {
    const base = displayUsername(identity.name);
    for (let attempt = 0; ; attempt++) {
      const username = await this.freeUsername(base, undefined, attempt > 0);
      try {
        // A password nobody knows: IdP users never log in locally.
        const user = await this.users.create(username, randomBytes(32).toString('base64url'), identity.roles, {
          idpIssuer: identity.issuer,
          idpSubject: identity.subject,
          idpLastSeenAt: new Date(),
        });
        this.logger.log(`Recorded ${username}, subject ${identity.subject} of ${identity.issuer}, on first sign-in`);
        return user;
      } catch (error) {
        if (!(error instanceof DomainError && error.code === ErrorCode.UsernameTaken) || attempt >= 3) throw error;
        // A concurrent first request of the same subject, or of another one wanting the same name.
        const recorded = await this.find(identity);
        if (recorded) return recorded;
      }
    }
  }

  /** Roles, name and last sign-in as the token has them, written only when they changed (the time: once a minute). */
  private async refresh(user: User, identity: IdpIdentity): Promise<User> {
    const now = new Date();
    const patch: Partial<User> = {};
    if (user.roles.length !== identity.roles.length || user.roles.some((role, i) => role !== identity.roles[i]))
      patch.roles = identity.roles;
    if (!user.idpLastSeenAt || now.getTime() - user.idpLastSeenAt.getTime() >= this.seenPrecisionMs) patch.idpLastSeenAt = now;
    const wanted = displayUsername(identity.name);
    if (user.username.replace(SUFFIX, '') !== wanted) {
      const renamed = await this.freeUsername(wanted, user.id, false);
      if (renamed !== user.username) patch.username = renamed;
    }
    if (Object.keys(patch).length === 0) return user;
    try {
      await this.repository.update({ id: user.id }, patch);
    } catch (error) {
      // The new name was taken a moment ago: keep the old one until the next sign-in.
      if (!isUniqueViolation(error) || !patch.username) throw error;
      delete patch.username;
      if (Object.keys(patch).length > 0) await this.repository.update({ id: user.id }, patch);
    }
    if (patch.username) this.logger.log(`Renamed ${user.username} to ${patch.username}, as the identity provider now names them`);
    Object.assign(user, patch);
    this.users.remember(user);
    return user;
  }

  /** `base`, or `base~2`, `base~3`…: the first no other user has. `random` for a retry after a lost race. */
  private async freeUsername(base: string, self: string | undefined, random: boolean): Promise<string> {
    if (random) return withSuffix(base, `~${randomBytes(4).readUInt32BE()}`);
    const rows: { username: string }[] = await this.repository
      .createQueryBuilder('u')
      .select('u.username', 'username')
      .where(`(u.username = :base OR u.username LIKE :pattern ESCAPE '\\')`, { base, pattern: `${base.replace(/[\\%_]/g, '\\$&')}~%` })
      .andWhere(self ? 'u.id <> :self' : 'TRUE', { self })
      .getRawMany();
    const taken = new Set(rows.map((row) => row.username));
    if (!taken.has(base)) return base;
    for (let n = 2; ; n++) {
      const candidate = withSuffix(base, `~${n}`);
      if (!taken.has(candidate)) return candidate;
    }
  }
}

const withSuffix = (base: string, suffix: string) => base.slice(0, MAX_USERNAME - suffix.length) + suffix;
