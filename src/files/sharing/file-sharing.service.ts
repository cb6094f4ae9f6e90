import { Injectable, Logger } from '@nestjs/common';
import { AuditAction } from '../../audit/audit-action.js';
import { AuditService } from '../../audit/audit.service.js';
import { Principal } from '../../auth/principal.js';
import { badRequest, DomainError, fileNotFound, forbidden } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { UsersService } from '../../users/users.service.js';
import { FileAccess, FileAccessPolicy } from '../access.js';
import { FileMeta } from '../file-meta.entity.js';
import { isValidFileId } from '../file-id.js';
import { FilesRepository } from '../files.repository.js';
import { FileGrant, GrantPermission } from './file-grant.entity.js';
import { FileGrantsRepository } from './file-grants.repository.js';
import { isUuid } from '../../common/uuid.js';

export interface GrantRequest {
  username?: string;
  role?: string;
  permission: GrantPermission;
}

/** Who may share a file with whom. Managing grants takes WRITE access to the file (owner, WRITE grant, admin). */
@Injectable()
export class FileSharingService {
  private readonly logger = new Logger(FileSharingService.name);

  constructor(
    private readonly files: FilesRepository,
    private readonly grants: FileGrantsRepository,
    private readonly access: FileAccessPolicy,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async list(principal: Principal, fileId: string): Promise<FileGrant[]> {
    await this.fileToManage(principal, fileId);
    return this.grants.listForFile(fileId);
  }

  /** Creates the grant, or changes the permission of the grantee's existing one. */
  grant(principal: Principal, fileId: string, request: GrantRequest): Promise<FileGrant> {
    return this.audit.track(AuditAction.FileShare, { actor: principal, fileId }, () => this.grantAudited(principal, fileId, request));
  }

  private async grantAudited(principal: Principal, fileId: string, request: GrantRequest): Promise<FileGrant> {
    if ((request.username === undefined) === (request.role === undefined)) {
      throw badRequest('Send exactly one of username or role.');
    }
    const file = await this.fileToManage(principal, fileId);
    let userId: string | null = null;
    if (request.username !== undefined) {
      const user = await this.users.findByUsername(request.username);
      if (!user) throw new DomainError(ErrorCode.UserNotFound, `User '${request.username}' was not found.`);
      userId = user.id;
    }
    const id = await this.grants.upsert(file, {
      fileId,
      userId,
      role: request.role ?? null,
      permission: request.permission,
      createdBy: principal.userId,
    });
    this.logger.log(
      `${principal.username} granted ${request.permission} on file ${fileId} to ${request.username ?? `role ${request.role}`}`,
    );
    return (await this.grants.findOnFile(fileId, id))!;
  }

  revoke(principal: Principal, fileId: string, grantId: string): Promise<void> {
    return this.audit.track(AuditAction.FileUnshare, { actor: principal, fileId }, () => this.revokeAudited(principal, fileId, grantId));
  }

  private async revokeAudited(principal: Principal, fileId: string, grantId: string): Promise<void> {
    await this.fileToManage(principal, fileId);
    const grant = isUuid(grantId) ? await this.grants.findOnFile(fileId, grantId) : null;
    if (!grant || !(await this.grants.delete(grant.id))) throw grantNotFound(fileId, grantId);
    this.logger.log(`${principal.username} revoked grant ${grantId} on file ${fileId}`);
  }

  private async fileToManage(principal: Principal, fileId: string): Promise<FileMeta> {
    const file = isValidFileId(fileId) ? await this.files.findById(fileId) : null;
    if (!file) throw fileNotFound(fileId);
    if ((await this.access.accessTo(principal, file)) < FileAccess.Write) {
      throw forbidden(`Managing the permissions of file '${fileId}' requires WRITE permission on it (owner, a WRITE grant, or admin).`);
    }
    return file;
  }
}

const grantNotFound = (fileId: string, grantId: string) =>
  new DomainError(ErrorCode.NotFound, `Grant '${grantId}' was not found on file '${fileId}'.`);
