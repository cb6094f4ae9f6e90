import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { AuditAction } from '../audit/audit-action.js';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { Role } from '../permissions/permissions.js';
import { TtlCache } from '../common/cache/ttl-cache.js';
import { PasswordHasher } from './password-hasher.js';
import { User } from './user.entity.js';
import { isUuid } from '../common/uuid.js';
import { isUniqueViolation } from '../database/pg-errors.js';

/** How long a looked-up user is reused by this instance (deletions and role changes here take effect at once). */
const USER_CACHE_MS = 1000;

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);
  /** Verified against when the username is unknown, so both failures take the same time. */
  private dummyHash?: Promise<string>;
  /** Every authenticated request looks its user up: reuse the answer for a moment. */
  private readonly recent = new TtlCache<User>(USER_CACHE_MS);
  private readonly passwords: PasswordHasher;

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {
    this.passwords = new PasswordHasher(config.limits.passwordHashMaxWaiting);
  }

  /**
   * First start: create the admin from ADMIN_USERNAME / ADMIN_PASSWORD, or with a generated password, printed once.
   * With ADMIN_PASSWORD_RESET=true an existing admin gets ADMIN_PASSWORD and the admin role back (a lost password).
   */
  async onApplicationBootstrap(): Promise<void> {
    const { adminUsername, adminPassword, adminPasswordReset } = this.config.auth;
    const existing = await this.users.findOneBy({ username: adminUsername });
    if (existing) {
      if (adminPasswordReset && adminPassword) await this.resetAdmin(existing, adminPassword);
      return;
    }
    const password = adminPassword ?? randomBytes(12).toString('base64url');
    await this.create(adminUsername, password, [Role.Admin]).catch((error) => {
      // Another instance created it at the same moment.
      if (!(error instanceof DomainError && error.code === ErrorCode.UsernameTaken)) throw error;
    });
    if (adminPassword) this.logger.log(`Created the admin user '${adminUsername}'`);
    else
      this.logger.warn(
        `Created the admin user '${adminUsername}' with the generated password: ${password} (shown once; set ADMIN_PASSWORD to choose it)`,
      );
  }

  private async resetAdmin(admin: User, password: string): Promise<void> {
    const roles = admin.roles.includes(Role.Admin) ? admin.roles : [...admin.roles, Role.Admin];
    await this.users.update({ id: admin.id }, { passwordHash: await this.passwords.hash(password), roles });
    this.recent.delete(admin.id);
    this.logger.warn(
      `Set the password of the admin user '${admin.username}' to ADMIN_PASSWORD (ADMIN_PASSWORD_RESET=true)` +
        `${roles === admin.roles ? '' : ' and gave it the admin role back'}; remove ADMIN_PASSWORD_RESET so that the next start leaves it alone`,
    );
  }

  /** The user findById found within the last USER_CACHE_MS, if any: the same answer, without a promise. */
  recentById(id: string): User | undefined {
    return this.recent.get(id);
  }

  async findById(id: string): Promise<User | null> {
    if (!isUuid(id)) return null;
    const cached = this.recentById(id);
    if (cached) return cached;
    const user = await this.users.findOneBy({ id });
    if (user) this.recent.set(id, user);
    return user;
  }

  findByUsername(username: string): Promise<User | null> {
    return this.users.findOneBy({ username });
  }

  /** Puts a user just read or written elsewhere (IdpUsersService) where findById looks first. */
  remember(user: User): void {
    this.recent.set(user.id, user);
  }

  async verifyPassword(username: string, password: string): Promise<User | null> {
    const user = await this.users.findOneBy({ username });
    if (!user) {
      // Not kept when it failed (the hashing queue was full): a later login makes it again.
      this.dummyHash ??= this.passwords.hash(randomBytes(16).toString('hex')).catch((error: unknown) => {
        this.dummyHash = undefined;
        throw error;
      });
      await this.passwords.verify(await this.dummyHash, password);
      return null;
    }
    if (!(await this.passwords.verify(user.passwordHash, password))) return null;
    if (this.passwords.isOutdated(user.passwordHash)) {
      // Made with older, costlier settings: the next logins of this user use the current ones.
      await this.rehash(user, password);
    }
    return user;
  }

  /** Skipped when the hashing queue is full: the login succeeded, and the next one rehashes. */
  private async rehash(user: User, password: string): Promise<void> {
    let passwordHash: string;
    try {
      passwordHash = await this.passwords.hash(password);
    } catch (error) {
      if (error instanceof DomainError && error.code === ErrorCode.ServiceBusy) return;
      throw error;
    }
    user.passwordHash = passwordHash;
    await this.users.update({ id: user.id }, { passwordHash });
  }

  /** `identity`: who an IdP user is there (IdpUsersService); absent for local and Hasura users. */
  async create(
    username: string,
    password: string,
    roles: string[],
    identity?: Pick<User, 'idpIssuer' | 'idpSubject' | 'idpLastSeenAt'>,
  ): Promise<User> {
    const passwordHash = await this.passwords.hash(password);
    try {
      const user = await this.users.save(this.users.create({ username, passwordHash, roles, ...identity }));
      // By an admin, or on first sight of a gateway's or the IdP's user (then nobody is signed in: no actor).
      this.audit.record(AuditAction.UserCreate, { target: user.id });
      return user;
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new DomainError(ErrorCode.UsernameTaken, `The username '${username}' is taken.`);
      }
      throw error;
    }
  }

  /**
   * A user authenticated elsewhere (a trusted gateway), recorded on first sight so that it can own files. It gets
   * no roles here (the gateway states them per request) and a password nobody knows, so it can never log in.
   */
  async findOrCreateExternal(username: string): Promise<User> {
    const existing = await this.users.findOneBy({ username });
    if (existing) return existing;
    try {
      return await this.create(username, randomBytes(32).toString('base64url'), []);
    } catch (error) {
      // A concurrent first request recorded it a moment ago.
      if (error instanceof DomainError && error.code === ErrorCode.UsernameTaken) return this.users.findOneByOrFail({ username });
      throw error;
    }
  }

  /** Sets or clears (null) a user's quota overrides; a field left undefined keeps its value. */
  async setQuota(id: string, quota: { quotaBytes?: number | null; quotaFiles?: number | null }): Promise<User> {
    const user = await this.findById(id);
    if (!user) throw new DomainError(ErrorCode.UserNotFound, `User '${id}' was not found.`);
    const changes: Partial<Pick<User, 'quotaBytes' | 'quotaFiles'>> = {};
    if (quota.quotaBytes !== undefined) changes.quotaBytes = quota.quotaBytes;
    if (quota.quotaFiles !== undefined) changes.quotaFiles = quota.quotaFiles;
    if (Object.keys(changes).length > 0) await this.users.update({ id }, changes);
    // Other instances see the change within USER_CACHE_MS.
    this.recent.delete(id);
    this.logger.log(`Set the quota of ${user.username}: ${JSON.stringify(changes)}`);
    return Object.assign(user, changes);
  }

  list(limit: number, offset: number): Promise<[User[], number]> {
    return this.users.findAndCount({ order: { username: 'ASC' }, take: limit, skip: offset });
  }

  /**
   * Their files stay (owner cleared) for admins to manage; their tokens stop working at once on this instance, and
   * within USER_CACHE_MS on the others.
   */
  delete(id: string, actingUserId: string): Promise<void> {
    return this.audit.track(AuditAction.UserDelete, { target: id }, () => this.deleteAudited(id, actingUserId));
  }

  private async deleteAudited(id: string, actingUserId: string): Promise<void> {
    if (id === actingUserId) throw new DomainError(ErrorCode.Conflict, 'You cannot delete your own account.');
    const user = await this.findById(id);
    if (!user) throw new DomainError(ErrorCode.UserNotFound, `User '${id}' was not found.`);
    await this.users.delete({ id });
    this.recent.delete(id);
  }
}
