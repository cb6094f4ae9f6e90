import { Injectable, Logger } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { Permission } from '../../permissions/permissions.js';
import { Principal } from '../../auth/principal.js';
import { DomainError, forbidden } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { AppConfig } from '../../config/app-config.js';
import { QuotaService } from '../../users/quotas/quota.service.js';
import { ParallelDigest } from '../../storage/parallel-digest.js';
import { StorageProvider, StoredObject } from '../../storage/storage-provider.js';
import { newFileId } from '../file-id.js';
import { FilesService } from '../files.service.js';
import { PgAdvisoryLocker } from './pg-advisory-locker.js';
import { TusBackend } from './tus-backend.js';
import { describeUpload, parseUploadLength } from './tus-metadata.js';
import { TusRequestContext } from './tus-request-context.js';
import { AdmittedUpload, TUS_UPLOAD_ID, TusUpload } from './tus-upload.js';
import { TusUploadsRepository } from './tus-uploads.repository.js';

/** Expired uploads removed per sweep, at most (the next sweep takes the rest). */
const SWEEP_BATCH = 100;

const noSuchUpload = (id: string) => new DomainError(ErrorCode.NotFound, `There is no upload '${id}' of yours.`);

/**
 * Every rule about resumable (tus) uploads: who may create and resume them, what they are called, and how a finished
 * one becomes an ordinary file (hashed, one row committed through FilesService). The tus protocol itself is
 * @tus/server's; StowageTusStore calls in here.
 */
@Injectable()
export class TusUploadsService {
  private readonly logger = new Logger(TusUploadsService.name);

  constructor(
    private readonly uploads: TusUploadsRepository,
    private readonly files: FilesService,
    private readonly storage: StorageProvider,
    private readonly backend: TusBackend,
    private readonly locker: PgAdvisoryLocker,
    private readonly config: AppConfig,
    private readonly quota: QuotaService,
  ) {}

  /**
   * Judges a creation request before tus reads a byte of it: the caller may upload, the declared size (with the
   * caller's other unfinished uploads, which are as good as stored) fits the quota and is within
   * MAX_UPLOAD_BYTES, the name and type are taken from Upload-Metadata. Undefined when the tus headers are malformed
   * or absent: tus answers those itself (400, or 501 for a deferred length).
   */
  async admitCreate(principal: Principal, headers: IncomingHttpHeaders): Promise<AdmittedUpload | undefined> {
    if (!principal.can(Permission.FileWrite)) throw forbidden('Uploading requires the WRITE permission.');
    const size = parseUploadLength(headers['upload-length'] as string | undefined);
    if (size === undefined) return undefined;
    if (size > this.files.maxUploadBytes) {
      throw new DomainError(
        ErrorCode.PayloadTooLarge,
        `The file (${size} bytes) is larger than the limit of ${this.files.maxUploadBytes} bytes.`,
      );
    }
    const described = describeUpload(headers['upload-metadata'] as string | undefined);
    if (!described) return undefined;
    await this.quota.assertCanStore(principal, {
      declaredBytes: size,
      pendingBytes: () => this.uploads.unfinishedBytesOf(principal.userId),
    });
    return { ...described, size };
  }

  /** The caller's own upload; 404 for anyone else's, exactly as for one that does not exist. */
  async findOwned(principal: Principal, id: string): Promise<TusUpload> {
    const upload = TUS_UPLOAD_ID.test(id) ? await this.uploads.findById(id) : null;
    if (!upload || upload.ownerId === null || upload.ownerId !== principal.userId) throw noSuchUpload(id);
    return upload;
  }

  find(id: string): Promise<TusUpload | null> {
    return this.uploads.findById(id);
  }

  /** Records a new upload (tus has named it) for the caller, before the store makes room for it. */
  record(request: TusRequestContext, id: string, metadata: Record<string, string | null>): Promise<TusUpload> {
    const { principal, admitted } = request;
    if (!principal || !admitted) throw new Error('An upload is created only through an admitted POST');
    return this.uploads.insert(
      { id, ownerId: principal.userId, filename: admitted.filename, contentType: admitted.contentType, size: admitted.size, metadata },
      this.config.uploads.expirySeconds,
    );
  }

  /** Whether a completion already made the upload's object (the store then no longer has it as an upload). */
  async isAssembled(upload: TusUpload): Promise<boolean> {
    return (await this.storage.stat(upload.id))?.size === upload.size;
  }

  /**
   * Turns the fully received upload into a file: the object named by its id, hashed (from `digest` when the store
   * saw every byte go in, else read back), then one row committed. Every step can be repeated, so a completion cut
   * short (a crash, the database away) is finished by the next HEAD or PATCH. Returns the file id.
   */
  async complete(request: TusRequestContext, upload: TusUpload, digest?: StoredObject): Promise<string> {
    const { principal } = request;
    if (!principal) throw new Error('An upload is completed only within its owner’s request');
    await this.backend.assemble(upload.id);
    const stored = digest ?? (await this.hashObject(upload.id));
    if (stored.size !== upload.size) {
      throw new DomainError(ErrorCode.Internal, `Upload ${upload.id} holds ${stored.size} bytes, not its length of ${upload.size}`);
    }
    // Committed already if a completion stopped between the row and the bookkeeping below: the object names the file.
    const file =
      (await this.files.findByStorageKey(upload.id)) ??
      (await this.files.commitStored(
        principal,
        { id: newFileId(), filename: upload.filename, contentType: upload.contentType, storageKey: upload.id, stored },
        { keepObjectOnFailure: true },
      ));
    await this.uploads.markComplete(upload.id, file.id);
    await this.backend
      .cleanUp(upload.id)
      .catch((e: Error) => this.logger.warn(`Upload ${upload.id} is file ${file.id}, but its leftovers stay: ${e.message}`));
    this.logger.log(`Completed resumable upload ${upload.id} (${upload.size} bytes) as file ${file.id} for ${principal.username}`);
    return file.id;
  }

  /**
   * Removes an upload: an unfinished one's bytes and any object a cut-short completion made (unless a file owns it),
   * a finished one's leftovers (never its file), then the row. The caller holds the upload's lock.
   */
  async discard(upload: TusUpload, reason?: 'terminated' | 'expired'): Promise<void> {
    if (upload.fileId === null) {
      await this.backend.discardIncoming(upload.id);
      if (!(await this.files.findByStorageKey(upload.id))) await this.storage.delete(upload.id);
    } else {
      // A finished upload's leftovers were removed at completion, unless that failed: try once more.
      await this.backend.cleanUp(upload.id);
    }
    await this.uploads.delete(upload.id);
    if (reason === 'terminated') this.logger.log(`Terminated resumable upload ${upload.id} at the owner's request`);
  }

  /**
   * Removes uploads past their expiry (finished ones leave only their row; the file stays), each under its lock so that
   * a request still writing one is never cut from under it (that upload waits for the next sweep). Safe on several
   * instances at once. Returns how many were removed.
   */
  async sweepExpired(): Promise<number> {
    let removed = 0;
    for (const id of await this.uploads.expiredIds(SWEEP_BATCH)) {
      const lock = this.locker.newLock(id, 0);
      try {
        await lock.lock(new AbortController().signal, () => undefined);
      } catch {
        continue;
      }
      try {
        const upload = await this.uploads.findById(id);
        if (upload) {
          await this.discard(upload, 'expired');
          removed++;
        }
      } finally {
        await lock.unlock();
      }
    }
    if (removed > 0) this.logger.log(`Removed ${removed} expired resumable upload(s)`);
    return removed;
  }

  private async hashObject(key: string): Promise<StoredObject> {
    const digest = new ParallelDigest();
    try {
      for await (const chunk of await this.storage.read(key)) {
        const waiting = digest.update(chunk as Buffer);
        if (waiting) await waiting;
      }
      return await digest.result();
    } finally {
      digest.dispose();
    }
  }
}
