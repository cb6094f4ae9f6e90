import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { WebhookEventType } from '../../webhooks/webhook-event.js';
import { WebhookOutbox } from '../../webhooks/webhook-outbox.js';
import { FileMeta } from '../file-meta.entity.js';
import { FileGrant, GrantPermission } from './file-grant.entity.js';

export interface NewGrant {
  fileId: string;
  userId: string | null;
  role: string | null;
  permission: GrantPermission;
  createdBy: string;
}

/** Queries on file grants, and nothing else: the rules are in FileAccessPolicy and FileSharingService. */
@Injectable()
export class FileGrantsRepository {
  constructor(
    @InjectRepository(FileGrant) private readonly grants: Repository<FileGrant>,
    private readonly outbox: WebhookOutbox,
  ) {}

  /** The permissions granted on a file to this user directly or to any of these roles. */
  async permissionsFor(fileId: string, userId: string, roles: readonly string[]): Promise<GrantPermission[]> {
    const rows = await this.grants
      .createQueryBuilder('g')
      .select('g.permission', 'permission')
      .where('g.file_id = :fileId', { fileId })
      .andWhere('(g.user_id = :userId OR g.role = ANY(:roles))', { userId, roles: [...roles] })
      .getRawMany<{ permission: GrantPermission }>();
    return rows.map((row) => row.permission);
  }

  listForFile(fileId: string): Promise<FileGrant[]> {
    return this.grants.find({ where: { fileId }, relations: { user: true }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  findOnFile(fileId: string, grantId: string): Promise<FileGrant | null> {
    return this.grants.findOne({ where: { id: grantId, fileId }, relations: { user: true } });
  }

  /**
   * Inserts the grant, or changes the permission of the grantee's existing grant on the file (its id stays), with a
   * file.shared event for `file` when webhooks are on.
   */
  async upsert(file: FileMeta, grant: NewGrant): Promise<string> {
    const target = grant.userId !== null ? '(file_id, user_id) WHERE user_id IS NOT NULL' : '(file_id, role) WHERE role IS NOT NULL';
    const upsert = `INSERT INTO file_grants (file_id, user_id, role, permission, created_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ${target} DO UPDATE SET permission = EXCLUDED.permission
       RETURNING id, file_id`;
    const event = this.outbox.event(WebhookEventType.FileShared, file, {
      grant: { userId: grant.userId, role: grant.role, permission: grant.permission },
    });
    const outbox = this.outbox.enabled ? this.outbox.cte([event], 'granted', 'file_id', 6) : undefined;
    const rows: { id: string }[] = await this.grants.query(
      `WITH granted AS (${upsert})${outbox ? `, ${outbox.sql}` : ''} SELECT id FROM granted`,
      [grant.fileId, grant.userId, grant.role, grant.permission, grant.createdBy, ...(outbox?.params ?? [])],
    );
    return rows[0].id;
  }

  async delete(grantId: string): Promise<boolean> {
    const result = await this.grants.delete({ id: grantId });
    return (result.affected ?? 0) > 0;
  }
}
