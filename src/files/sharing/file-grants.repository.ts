import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
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
  constructor(@InjectRepository(FileGrant) private readonly grants: Repository<FileGrant>) {}

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

  /** Inserts the grant, or changes the permission of the grantee's existing grant on the file (its id stays). */
  async upsert(grant: NewGrant): Promise<string> {
    const target = grant.userId !== null ? '(file_id, user_id) WHERE user_id IS NOT NULL' : '(file_id, role) WHERE role IS NOT NULL';
    const rows: { id: string }[] = await this.grants.query(
      `INSERT INTO file_grants (file_id, user_id, role, permission, created_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ${target} DO UPDATE SET permission = EXCLUDED.permission
       RETURNING id`,
      [grant.fileId, grant.userId, grant.role, grant.permission, grant.createdBy],
    );
    return rows[0].id;
  }

  async delete(grantId: string): Promise<boolean> {
    const result = await this.grants.delete({ id: grantId });
    return (result.affected ?? 0) > 0;
  }
}
