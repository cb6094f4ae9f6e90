import { Injectable, Logger } from '@nestjs/common';
import { AuditAction } from '../../audit/audit-action.js';
import { AuditService } from '../../audit/audit.service.js';
import { Permission } from '../../permissions/permissions.js';
import { Principal } from '../../auth/principal.js';
import { badRequest, forbidden } from '../../common/errors/domain-error.js';
import { StorageProvider } from '../../storage/storage-provider.js';
import { FileMeta } from '../file-meta.entity.js';
import { EXACT_COUNT_LIMIT, estimateFromSample, FileCount, samplePercent } from './file-count.js';
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
    private readonly audit: AuditService,
  ) {}

  /** One page of the files the caller may see. */
  list(principal: Principal, query: ListQuery): Promise<FileMeta[]> {
    return this.listing.list(principal, query);
  }

  /** The exact number of files the caller may see matching the filters, however long that takes. */
  count(principal: Principal, filters: readonly FilterCondition[]): Promise<number> {
    return this.listing.count(principal, filters);
  }

  /**
   * The count for paging (GET /files/count): exact up to EXACT_COUNT_LIMIT, and on a table small enough to count
   * quickly; otherwise estimated from a page sample, so that its cost stops growing with the table. The sample comes
   * first for admins: when it alone holds more than EXACT_COUNT_LIMIT matches (real rows, so a proof), it is the only
   * query. Also the `total` of the native listing.
   */
  async countForPaging(principal: Principal, filters: readonly FilterCondition[]): Promise<FileCount> {
    // A non-admin's bounded count reads only what they can see (see applyVisibility): try it before any sample.
    let seen: number | undefined;
    if (!principal.isAdmin) {
      seen = await this.listing.countUpTo(principal, filters, EXACT_COUNT_LIMIT + 1);
      if (seen <= EXACT_COUNT_LIMIT) return { count: seen, exact: true };
    }
    const percent = samplePercent(await this.listing.estimatedTableRows());
    if (percent === undefined) return { count: await this.listing.count(principal, filters), exact: true };
    const inSample = await this.listing.countInSample(principal, filters, percent);
    if (inSample > EXACT_COUNT_LIMIT) return { count: estimateFromSample(inSample, percent, inSample), exact: false };
    seen ??= await this.listing.countUpTo(principal, filters, EXACT_COUNT_LIMIT + 1);
    if (seen <= EXACT_COUNT_LIMIT) return { count: seen, exact: true };
    return { count: estimateFromSample(inSample, percent, seen), exact: false };
  }

  /**
   * Deletes the caller's OWN files matching a non-empty filter (admins included: a bulk delete never reaches into
   * other users' files). Rows go first, in batches, so the files vanish at once; then their objects.
   */
  async deleteOwnMatching(principal: Principal, filters: readonly FilterCondition[]): Promise<number> {
    if (!principal.can(Permission.FileWrite)) throw forbidden('Deleting files requires the WRITE permission.');
    if (filters.length === 0)
      throw badRequest(
        'A bulk delete needs a filter (e.g. filter=filename:~invoice); to delete every one of your files, say so with filter=length:>=0.',
      );
    let deleted = 0;
    for (;;) {
      const batch = await this.listing.findOwnMatching(principal.userId, filters, DELETE_BATCH);
      if (batch.length === 0) break;
      const gone = await this.listing.deleteOwned(principal.userId, batch);
      deleted += gone.length;
      for (const file of gone) this.audit.record(AuditAction.FileDelete, { actor: principal, fileId: file.id });
      await Promise.all(
        gone.map(({ storageKey: key }) =>
          this.storage.delete(key).catch((e) => this.logger.error(`Bulk delete removed a row but not its object ${key}: ${e}`)),
        ),
      );
      if (batch.length < DELETE_BATCH) break;
    }
    this.logger.log(`Bulk-deleted ${deleted} file(s) for ${principal.username}`);
    return deleted;
  }
}
