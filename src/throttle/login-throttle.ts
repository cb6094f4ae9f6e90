import { Injectable, Logger } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AppConfig } from '../config/app-config.js';
import { FailureLimit, LoginFailureStore } from './login-failure.store.js';

/**
 * Failed logins per account and per client address (LOGIN_MAX_FAILURES_PER_ACCOUNT / _PER_ADDRESS within
 * LOGIN_FAILURE_WINDOW_SECONDS). Past either limit a login is refused with 429 before its password is looked at, so a
 * flood costs no hashing. Unknown usernames count like known ones, and both get the same answer.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger(LoginThrottle.name);

  constructor(
    private readonly store: LoginFailureStore,
    private readonly config: AppConfig,
  ) {}

  /**
   * Runs `verify` (which hashes) unless the account or the address is over its limit. Its attempt counts as failed
   * until it answers with a user; one that throws (hashing queue full, database down) is not counted either.
   */
  async attempt<T>(username: string, address: string | undefined, verify: () => Promise<T | null>): Promise<T | null> {
    const limits = this.limitsFor(username, address);
    if (limits.length === 0) return verify();
    const windowMs = this.config.limits.loginFailureWindowSeconds * 1000;
    const reservation = await this.store.reserve(limits, windowMs);
    if (!reservation.allowed) {
      const wait = String(Math.max(1, Math.ceil(reservation.retryAfterMs / 1000)));
      throw new DomainError(ErrorCode.TooManyRequests, `Too many failed logins; try again in ${wait} s.`, { 'Retry-After': wait });
    }
    const keys = limits.map((limit) => limit.key);
    let result: T | null;
    try {
      result = await verify();
    } catch (error) {
      await this.giveBack(keys);
      throw error;
    }
    if (result !== null) await this.giveBack(keys);
    return result;
  }

  private limitsFor(username: string, address: string | undefined): FailureLimit[] {
    const { loginFailuresPerAccount, loginFailuresPerAddress } = this.config.limits;
    const limits: FailureLimit[] = [];
    // Hashed: any string may be tried as a username, and none is kept in the store in clear.
    if (loginFailuresPerAccount > 0)
      limits.push({ key: `account:${createHash('sha256').update(username).digest('base64url')}`, max: loginFailuresPerAccount });
    if (loginFailuresPerAddress > 0 && address) limits.push({ key: `address:${normalizeIp(address)}`, max: loginFailuresPerAddress });
    return limits;
  }

  /** A login that cannot be handed back stays counted as a failure: better than failing a good login. */
  private async giveBack(keys: string[]): Promise<void> {
    await this.store
      .release(keys)
      .catch((error: Error) => this.logger.warn(`Could not take back a counted login attempt: ${error.message}`));
  }
}
