import { Injectable, Logger } from '@nestjs/common';
import { Principal } from '../../auth/principal.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { AppConfig } from '../../config/app-config.js';
import { User } from '../user.entity.js';
import { UsersService } from '../users.service.js';
import { Usage, UserUsageRepository } from './user-usage.repository.js';

/** A user's limits in force: their override, else the QUOTA_* default; null is unlimited. */
export interface Limits {
  bytes: number | null;
  files: number | null;
}

export interface StoreRequest {
  /** The size the client announced (Content-Length of a raw body): refused before a byte is read when it cannot fit. */
  declaredBytes?: number;
  /**
   * Bytes of this same upload already stored but not yet counted (earlier chunks of a chunked upload). Asked only when
   * a byte limit applies, so an unlimited user pays no query for it.
   */
  pendingBytes?: () => Promise<number>;
}

/**
 * What a caller may still store, for one write. Hand `cap(limit)` to `StorageProvider.write` as its `maxBytes`, and
 * pass the write's error through `translate`, so that passing the quota mid-stream answers QUOTA_EXCEEDED (507) and
 * passing MAX_UPLOAD_BYTES still answers PAYLOAD_TOO_LARGE (413).
 */
export class StoreAllowance {
  private quotaIsTighter = false;

  constructor(
    /** Bytes left under the quota (Infinity without a byte limit). */
    readonly remainingBytes: number,
    private readonly quotaBytes: number | null,
  ) {}

  /** The byte cap of a write otherwise limited to `limit`. */
  cap(limit: number): number {
    this.quotaIsTighter = this.remainingBytes < limit;
    return Math.min(limit, this.remainingBytes);
  }

  /** The error to report for a failed write that was capped by `cap()`. */
  translate(error: unknown): unknown {
    if (this.quotaIsTighter && error instanceof DomainError && error.code === ErrorCode.PayloadTooLarge) {
      return new DomainError(ErrorCode.QuotaExceeded, `The file does not fit in your quota of ${this.quotaBytes} bytes.`);
    }
    return error;
  }
}

const UNLIMITED = new StoreAllowance(Number.POSITIVE_INFINITY, null);

/**
 * Per-user quotas (QUOTA_BYTES_PER_USER, QUOTA_FILES_PER_USER, per-user overrides). Usage is what the user's
 * committed files take (kept by triggers, read with one lookup); an upload is checked when it starts and capped while
 * it streams. Concurrent uploads each see the usage before the others commit, so together they can pass the quota
 * by at most one in-flight file each.
 */
@Injectable()
export class QuotaService {
  private readonly logger = new Logger(QuotaService.name);

  constructor(
    private readonly users: UsersService,
    private readonly usage: UserUsageRepository,
    private readonly config: AppConfig,
  ) {}

  /** The limits of a user (the guard looked the user up a moment ago: usually no query). */
  async limitsOf(userId: string): Promise<Limits> {
    const user = this.users.recentById(userId) ?? (await this.users.findById(userId));
    return this.limitsFor(user);
  }

  limitsFor(user: Pick<User, 'quotaBytes' | 'quotaFiles'> | null): Limits {
    return {
      bytes: user?.quotaBytes ?? this.config.quotas.bytesPerUser ?? null,
      files: user?.quotaFiles ?? this.config.quotas.filesPerUser ?? null,
    };
  }

  usageOf(userId: string): Promise<Usage> {
    return this.usage.of(userId);
  }

  /**
   * Refuses with QUOTA_EXCEEDED an upload of one more file that cannot fit: one file too many, or declared bytes
   * beyond what is left. Answers the allowance that caps the write's bytes.
   */
  async assertCanStore(principal: Principal, request: StoreRequest = {}): Promise<StoreAllowance> {
    const limits = await this.limitsOf(principal.userId);
    if (limits.bytes === null && limits.files === null) return UNLIMITED;
    const usage = await this.usage.of(principal.userId);
    if (limits.files !== null && usage.files + 1 > limits.files) {
      this.logger.log(`Refused an upload of ${principal.username}: quota of ${limits.files} files reached`);
      throw new DomainError(ErrorCode.QuotaExceeded, `You have reached your quota of ${limits.files} files; delete some to upload more.`);
    }
    if (limits.bytes === null) return UNLIMITED;
    const pending = request.pendingBytes ? await request.pendingBytes() : 0;
    const remaining = Math.max(0, limits.bytes - usage.bytes - pending);
    if (request.declaredBytes !== undefined && request.declaredBytes > remaining) {
      this.logger.log(`Refused an upload of ${principal.username} (${request.declaredBytes} bytes): ${remaining} bytes left of the quota`);
      throw new DomainError(
        ErrorCode.QuotaExceeded,
        `The file (${request.declaredBytes} bytes) does not fit in your quota: ${remaining} of ${limits.bytes} bytes are left.`,
      );
    }
    return new StoreAllowance(remaining, limits.bytes);
  }
}
