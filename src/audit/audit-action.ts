/** What the audit trail records. Values are stored, and are the `action` filter of GET /api/audit. */
export enum AuditAction {
  FileUpload = 'file.upload',
  FileDownload = 'file.download',
  FileDelete = 'file.delete',
  FileShare = 'file.share',
  FileUnshare = 'file.unshare',
  TokenCreate = 'token.create',
  TokenRevoke = 'token.revoke',
  UserCreate = 'user.create',
  UserDelete = 'user.delete',
  LoginFailed = 'login.failed',
}

export const AUDIT_ACTIONS = Object.values(AuditAction);

export type AuditOutcome = 'success' | 'failure';
