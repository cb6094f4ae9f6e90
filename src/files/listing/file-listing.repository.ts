import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, SelectQueryBuilder } from 'typeorm';
import { Principal } from '../../auth/principal.js';
import { WebhookEventType } from '../../webhooks/webhook-event.js';
import { WebhookOutbox } from '../../webhooks/webhook-outbox.js';
import { FileMeta } from '../file-meta.entity.js';
import { applyFilters, applySortAndPage, withPageSample } from './file-listing.query.js';
import { FilterCondition, ListQuery } from './list-query.js';
import { applyVisibility } from './visibility.js';

/** Listing queries over file_meta: one builder (filters + visibility) behind every dialect's listing. */
@Injectable()
export class FileListingRepository {
  constructor(
    @InjectRepository(FileMeta) private readonly files: Repository<FileMeta>,
    private readonly outbox: WebhookOutbox,
  ) {}

  private visible(principal: Principal, filters: readonly FilterCondition[]): SelectQueryBuilder<FileMeta> {
    return applyFilters(applyVisibility(this.files.createQueryBuilder('f'), principal), filters);
  }

  list(principal: Principal, query: ListQuery): Promise<FileMeta[]> {
    return applySortAndPage(this.visible(principal, query.filters), query).getMany();
  }

  async count(principal: Principal, filters: readonly FilterCondition[]): Promise<number> {
    // COUNT(*) rather than getCount(): no DISTINCT needed without joins, and it can use an index-only scan.
    const row = await this.visible(principal, filters).select('COUNT(*)', 'count').getRawOne<{ count: string }>();
    return Number(row?.count ?? 0);
  }

  /** The exact count, capped at `limit`: the scan stops at the limit-th match. */
  async countUpTo(principal: Principal, filters: readonly FilterCondition[], limit: number): Promise<number> {
    const [inner, params] = this.visible(principal, filters).select('1').limit(limit).getQueryAndParameters();
    const rows: { count: string }[] = await this.files.query(`SELECT COUNT(*) AS count FROM (${inner}) AS bounded`, params);
    return Number(rows[0]?.count ?? 0);
  }

  /** How many visible matching rows a `percent` % sample of file_meta's pages holds (see withPageSample). */
  async countInSample(principal: Principal, filters: readonly FilterCondition[], percent: number): Promise<number> {
    const [sql, params] = this.visible(principal, filters).select('COUNT(*)', 'count').getQueryAndParameters();
    const values: unknown[] = [...(params as unknown[]), percent];
    const rows: { count: string }[] = await this.files.query(withPageSample(sql, params.length + 1), values);
    return Number(rows[0]?.count ?? 0);
  }

  /**
   * file_meta's size in rows as the planner sees it: the last ANALYZE's rows per page times the pages there are now
   * (so it follows growth since). -1 when the table was never analyzed.
   */
  async estimatedTableRows(): Promise<number> {
    const rows: { rows: number }[] = await this.files.query(
      `SELECT CASE WHEN relpages > 0 AND reltuples >= 0
                   THEN reltuples / relpages * (pg_relation_size(oid) / current_setting('block_size')::int)
                   ELSE -1 END AS rows
       FROM pg_class WHERE oid = $1::regclass`,
      [this.files.metadata.tablePath],
    );
    return Number(rows[0]?.rows ?? -1);
  }

  /** Up to `batch` of the owner's own files matching the filters (id and storage key only). */
  findOwnMatching(ownerId: string, filters: readonly FilterCondition[], batch: number): Promise<FileMeta[]> {
    return applyFilters(
      this.files
        .createQueryBuilder('f')
        .select(['f.id', 'f.storageKey', 'f.filename', 'f.contentType', 'f.size', 'f.sha256', 'f.ownerId'])
        .where('f.ownerId = :ownerId', { ownerId }),
      filters,
    )
      .orderBy('f.id')
      .limit(batch)
      .getMany();
  }

  /**
   * Deletes those of `files` the owner still owns, with their file.deleted events when webhooks are on; returns the
   * ids and storage keys of the rows really deleted.
   */
  async deleteOwned(ownerId: string, files: FileMeta[]): Promise<{ id: string; storageKey: string }[]> {
    const ids = files.map((file) => file.id);
    const events = this.outbox.enabled ? files.map((file) => this.outbox.event(WebhookEventType.FileDeleted, file)) : [];
    const outbox = this.outbox.enabled ? this.outbox.cte(events, 'deleted', 'id', 3) : undefined;
    const del = 'DELETE FROM file_meta WHERE id = ANY($1::varchar[]) AND owner_id = $2 RETURNING id, storage_key';
    const rows = await this.files.query<{ id: string; storage_key: string }[]>(
      // As CTEs: TypeORM answers a bare DELETE with [rows, count], a SELECT with the rows.
      `WITH deleted AS (${del})${outbox ? `, ${outbox.sql}` : ''} SELECT id, storage_key FROM deleted`,
      [ids, ownerId, ...(outbox?.params ?? [])],
    );
    return rows.map((row) => ({ id: row.id, storageKey: row.storage_key }));
  }
}
