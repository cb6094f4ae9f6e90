import { AuditAction, AuditOutcome } from './audit-action.js';

/** One line of the audit trail, as stored and as GET /api/audit answers it. */
export interface AuditEntry {
  id: string;
  at: Date;
  actorId: string | null;
  actorName: string | null;
  clientAddress: string | null;
  action: AuditAction;
  fileId: string | null;
  /** What else the action was on: the user created or deleted, the API token created or revoked. */
  target: string | null;
  outcome: AuditOutcome;
  /** The error code of a failure (e.g. FORBIDDEN); null on success. */
  errorCode: string | null;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'>;

export interface AuditFilter {
  actor?: string;
  action?: AuditAction;
  fileId?: string;
  from?: Date;
  to?: Date;
}
