import { Injectable, Logger } from '@nestjs/common';
import { Permission } from '../../auth/permissions.js';
import { Principal } from '../../auth/principal.js';
import { badRequest, forbidden } from '../../common/errors/domain-error.js';
import { StorageProvider } from '../../storage/storage-provider.js';
import { FileMeta } from '../file-meta.entity.js';
import { FileListingRepository } from './file-listing.repository.js';
import { FilterCondition, ListQuery } from './list-query.js';

const DELETE_BATCH = 500;

/** The rules of listing, counting and bulk-deleting files, shared by every API dialect. */
@Injectable()
export class FileListingService {
  private readonly logger = new Logger(FileListingService.name);

  constructor(
    private readonly listing: FileListingRepository,
    private readonly storage: StorageProvider,
  ) {}

  /** One page of the files the caller may see. */
  list(principal: Principal, query: ListQuery): Promise<FileMeta[]> {
    return this.listing.list(principal, query);
  }

  count(principal: Principal, filters: readonly FilterCondition[]): Promise<number> {
    return this.listing.count(principal, filters);
  }

  /**
   * Deletes the caller's OWN files matching a non-empty filter (admins included: a bulk delete never reaches into
   * other users' files). Rows go first, in batches, so the files vanish at once; then their objects.
   */
  async deleteOwnMatching(principal: Principal, filters: readonly FilterCondition[]): Promise<number> {
    if (!principal.can(Permission.FileWrite)) throw forbidden('Deleting files requires the WRITE permission.');
    if (filters.length === 0) throw badRequest('A bulk delete needs a filter (e.g. filter=filename:~invoice); to delete every one of your files, say so with filter=length:>=0.');
    let deleted = 0;
    for (;;) {
      const batch = await this.listing.findOwnMatching(principal.userId, filters, DELETE_BATCH);
      if (batch.length === 0) break;
      const keys = await this.listing.deleteOwned(principal.userId, batch.map((file) => file.id));
      deleted += keys.length;
      await Promise.all(keys.map((key) => this.storage.delete(key).catch((e) => this.logger.error(`Bulk delete removed a row but not its object ${key}: ${e}`))));
      if (batch.length < DELETE_BATCH) break;
    }
    this.logger.log(`Bulk-deleted ${deleted} file(s) for ${principal.username}`);
    return deleted;
  }
}
