import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { Principal } from '../auth/principal.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { requestContext } from '../common/logging/request-context.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AuditAction } from './audit-action.js';
import { AuditEntry, AuditFilter, NewAuditEntry } from './audit-entry.js';
import { AuditRepository } from './audit.repository.js';

/** Who did it: a signed-in caller, or just a name (a failed login names the account it tried). */
export interface AuditActor {
  userId: string | null;
  username: string | null;
}

export interface AuditRecord {
  /** Default: the request's authenticated caller, if any. */
  actor?: AuditActor | null;
  fileId?: string | null;
  /** The user or API token the action was on. */
  target?: string | null;
  /** Absent: success. */
  error?: unknown;
}

/**
 * The audit trail (docs/audit.md): the services say what happened; who called (unless told) and from which address
 * (as TRUST_PROXY resolves it) come from the request context. A request does not wait for its entry: entries are
 * batched into shared INSERTs in the background, a failed write is logged and counted, never the caller's error,
 * and entries still pending at shutdown are written before the pool closes.
 */
@Injectable()
export class AuditService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  private readonly pending = new Set<Promise<void>>();
  /** Set once the pending entries are written at shutdown: the pool closes next, so a later entry cannot be. */
  private shutDown = false;
  readonly enabled: boolean;

  constructor(
    private readonly entries: AuditRepository,
    config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.enabled = config.audit.enabled;
  }

  /**
   * The entry `record` would write, for a repository to insert in the same statement as the change it records (see
   * `auditInsert`); undefined when the trail is off. Such an entry commits, or rolls back, with the change.
   */
  entry(action: AuditAction, record: AuditRecord = {}): NewAuditEntry | undefined {
    if (!this.enabled) return undefined;
    const request = requestContext.getStore()?.request;
    const actor = record.actor === undefined ? actorOf(request?.user) : record.actor;
    const failed = record.error !== undefined;
    return {
      actorId: actor?.userId ?? null,
      actorName: actor?.username ?? null,
      clientAddress: addressOf(request),
      action,
      // As the caller sent it, which may be no valid id at all: cut to the column's size.
      fileId: record.fileId?.slice(0, 128) ?? null,
      target: record.target?.slice(0, 255) ?? null,
      outcome: failed ? 'failure' : 'success',
      errorCode: failed ? errorCodeOf(record.error) : null,
    };
  }

  record(action: AuditAction, record: AuditRecord = {}): void {
    const entry = this.entry(action, record);
    if (!entry) return;
    const write = this.entries
      .insert(entry)
      .catch((error: unknown) => {
        this.metrics.countBackgroundFailure('audit_write');
        const what = `the audit entry ${action}${record.fileId ? ` on ${record.fileId}` : ''}`;
        // A request cut off by the shutdown grace can end after the database pool closed: expected, and said so.
        if (this.shutDown) this.logger.warn(`Dropped ${what}: its request ended after the service had shut down its database pool`);
        else this.logger.error(`Could not write ${what}: ${String(error)}`);
      })
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Runs `work` and records how it ended; its result or error passes through unchanged. */
  async track<T>(
    action: AuditAction,
    record: Omit<AuditRecord, 'error'> & { targetOf?: (result: T) => string },
    work: () => Promise<T>,
  ): Promise<T> {
    if (!this.enabled) return work();
    const { targetOf, ...fields } = record;
    try {
      const result = await work();
      this.record(action, { ...fields, target: targetOf ? targetOf(result) : fields.target });
      return result;
    } catch (error) {
      this.record(action, { ...fields, error });
      throw error;
    }
  }

  list(filter: AuditFilter, limit: number, offset: number): Promise<[AuditEntry[], number]> {
    return this.entries.list(filter, limit, offset);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.pending]);
    this.shutDown = true;
  }
}

export const actorOf = (principal: unknown): AuditActor | null =>
  principal instanceof Principal ? { userId: principal.userId, username: principal.username } : null;

/** `req.ip` as TRUST_PROXY resolves it; null once the client's socket is gone (Express then throws reading it). */
function addressOf(request: Request | undefined): string | null {
  try {
    return request?.ip ?? null;
  } catch {
    return null;
  }
}

const errorCodeOf = (error: unknown): string => (error instanceof DomainError ? error.code : ErrorCode.Internal);
