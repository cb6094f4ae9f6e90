import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository, SelectQueryBuilder } from 'typeorm';
import { Principal } from '../../auth/principal.js';
import { FileMeta } from '../file-meta.entity.js';
import { applyFilters, applySortAndPage } from './file-listing.query.js';
import { FilterCondition, ListQuery } from './list-query.js';
import { applyVisibility } from './visibility.js';

/** Listing queries over file_meta: one builder (filters + visibility) behind every dialect's listing. */
@Injectable()
export class FileListingRepository {
  constructor(@InjectRepository(FileMeta) private readonly files: Repository<FileMeta>) {}

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

  /** Up to `batch` of the owner's own files matching the filters (id and storage key only). */
  findOwnMatching(ownerId: string, filters: readonly FilterCondition[], batch: number): Promise<Pick<FileMeta, 'id' | 'storageKey'>[]> {
    return applyFilters(this.files.createQueryBuilder('f').select(['f.id', 'f.storageKey']).where('f.ownerId = :ownerId', { ownerId }), filters)
      .orderBy('f.id')
      .limit(batch)
      .getMany();
  }

  /** Deletes those of `ids` the owner still owns; returns the storage keys of the rows really deleted. */
  async deleteOwned(ownerId: string, ids: string[]): Promise<string[]> {
    const result = await this.files.createQueryBuilder().delete().from(FileMeta).where({ id: In(ids), ownerId }).returning(['storageKey']).execute();
    return (result.raw as { storage_key: string }[]).map((row) => row.storage_key);
  }
}
