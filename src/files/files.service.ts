import { Injectable, Logger } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { AuditAction } from '../audit/audit-action.js';
import { AuditService } from '../audit/audit.service.js';
import { Permission } from '../permissions/permissions.js';
import { Principal } from '../auth/principal.js';
import { AppConfig } from '../config/app-config.js';
import { DomainError, fileNotFound, forbidden } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { newStorageKey } from '../storage/storage-key.js';
import { QuotaService } from '../users/quotas/quota.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ByteRange, StorageProvider, StoredObject } from '../storage/storage-provider.js';
import { FileAccess, FileAccessPolicy } from './access.js';
import { FileMeta } from './file-meta.entity.js';
import { isValidFileId, newFileId } from './file-id.js';
import { FilesRepository } from './files.repository.js';
import { beforeReading } from './upload-request.js';
import { isUniqueViolation } from '../database/pg-errors.js';

export interface UploadInput {
  body: Readable;
  filename: string;
  contentType: string;
  /** Content-Length when the client sent one: lets an oversized body be refused before a byte is read. */
  declaredSize?: number;
  /** A client-chosen id (Hasura API); a fresh one is made when absent. */
  id?: string;
}

interface CommitInput {
  id: string;
  filename: string;
  contentType: string;
  storageKey: string;
  stored: StoredObject;
}

/** Long enough to start a download, short enough that a leaked URL is soon useless. */
const PRESIGNED_URL_TTL_SECONDS = 60;

/** Every rule about files, whichever API dialect the request came through. */
@Injectable()
export class FilesService {
  private readonly logger = new Logger(FilesService.name);

  constructor(
    private readonly files: FilesRepository,
    private readonly storage: StorageProvider,
    private readonly config: AppConfig,
    private readonly access: FileAccessPolicy,
    private readonly quotas: QuotaService,
    private readonly metrics: MetricsService,
    private readonly audit: AuditService,
  ) {}

  get maxUploadBytes(): number {
    return this.config.uploads.maxBytes;
  }

  /** The Cache-Control every download carries (CACHE_CONTROL). */
  get downloadCacheControl(): string {
    return this.config.downloads.cacheControl;
  }

  /** Streams the body to storage, then commits the metadata row: a file is visible only once whole. */
  async upload(principal: Principal, input: UploadInput): Promise<FileMeta> {
    let stored: CommitInput;
    try {
      stored = await this.store(principal, input);
    } catch (error) {
      this.audit.record(AuditAction.FileUpload, { actor: principal, fileId: input.id, error });
      throw error;
    }
    return this.commitStored(principal, stored);
  }

  /** An upload's checks and bytes: everything up to its commit (which audits itself). */
  private async store(principal: Principal, input: UploadInput): Promise<CommitInput> {
    if (!principal.can(Permission.FileWrite)) throw forbidden('Uploading requires the WRITE permission.');
    if (input.declaredSize !== undefined && input.declaredSize > this.maxUploadBytes) {
      throw new DomainError(
        ErrorCode.PayloadTooLarge,
        `The file (${input.declaredSize} bytes) is larger than the limit of ${this.maxUploadBytes} bytes.`,
      );
    }
    const id = input.id ?? newFileId();
    if (!isValidFileId(id))
      throw new DomainError(
        ErrorCode.ValidationFailed,
        `'${id}' is not a valid file id: use 1-128 of A-Z a-z 0-9 . _ - (starting with a letter or digit).`,
      );
    if (input.id !== undefined && (await this.files.existsById(id))) throw idTaken(id);

    // Before a byte is read: a declared size that cannot fit is refused now; otherwise the write stops at the quota.
    const allowance = await beforeReading(input.body, this.quotas.assertCanStore(principal, { declaredBytes: input.declaredSize }));
    const storageKey = newStorageKey();
    const stored = await this.storeClientBytes(storageKey, input.body, allowance.cap(this.maxUploadBytes)).catch((error) => {
      throw allowance.translate(error);
    });
    return { id, filename: input.filename, contentType: input.contentType, storageKey, stored };
  }

  /**
   * Streams a client's bytes (a whole file or one chunk) to storage, within `maxBytes` (MAX_UPLOAD_BYTES, or less when
   * a quota is tighter), counted in the metrics.
   */
  storeClientBytes(storageKey: string, body: Readable, maxBytes = this.maxUploadBytes): Promise<StoredObject> {
    return this.metrics.measureUpload(() => this.storage.write(storageKey, body, { maxBytes, onBytes: this.metrics.uploadByteCounter }));
  }

  /**
   * Commits the metadata of bytes already stored under `storageKey` (a finished upload, or a chunked upload once
   * assembled): the file becomes visible now. If the row cannot be written, the object is removed so that it never
   * leaks, unless `keepObjectOnFailure` says the caller still tracks it (a tus upload retries its commit).
   */
  async commitStored(principal: Principal, input: CommitInput, options: { keepObjectOnFailure?: boolean } = {}): Promise<FileMeta> {
    try {
      // The upload's audit entry goes in with the row: one statement, one commit for both.
      const file = await this.files.insert(
        Object.assign(new FileMeta(), {
          id: input.id,
          filename: input.filename,
          contentType: input.contentType,
          size: input.stored.size,
          sha256: input.stored.sha256,
          md5: input.stored.md5,
          storageKey: input.storageKey,
          ownerId: principal.userId,
        }),
        this.audit.entry(AuditAction.FileUpload, { actor: principal, fileId: input.id }),
      );
      this.logger.log(`Stored file ${input.id} (${input.stored.size} bytes) for ${principal.username}`);
      return file;
    } catch (error) {
      this.audit.record(AuditAction.FileUpload, { actor: principal, fileId: input.id, error });
      if (!options.keepObjectOnFailure) {
        await this.storage
          .delete(input.storageKey)
          .catch((e) => this.logger.error(`Could not remove orphaned object ${input.storageKey}: ${e}`));
      }
      if (isUniqueViolation(error)) throw idTaken(input.id);
      throw error;
    }
  }

  /** The file stored under `storageKey`, whoever owns it: for code that tracks objects (a tus upload), not for callers. */
  findByStorageKey(storageKey: string): Promise<FileMeta | null> {
    return this.files.findByStorageKey(storageKey);
  }

  /** The file's metadata, if the caller may read it (404 unknown, 403 not allowed). */
  async get(principal: Principal, id: string): Promise<FileMeta> {
    const file = await this.find(id);
    // The owner's and an admin's access is known without a lookup; awaiting it anyway costs the busiest route promises.
    const access = this.access.accessWithoutGrants(principal, file) ?? (await this.access.accessByGrants(principal, file));
    if (access < FileAccess.Read) throw forbidden(`You do not have READ permission on file '${id}'.`);
    return file;
  }

  /**
   * A short-lived URL at which the object store serves the file itself, when STORAGE_PRESIGNED_DOWNLOADS is on and
   * the provider can make one; undefined otherwise. Only for a file the caller was allowed to read.
   */
  async presignedDownloadUrl(file: FileMeta, contentDisposition: string): Promise<string | undefined> {
    if (!this.config.storage.presignedDownloads || !this.storage.presignedUrl) return undefined;
    return this.storage.presignedUrl(file.storageKey, PRESIGNED_URL_TTL_SECONDS, { contentType: file.contentType, contentDisposition });
  }

  /** `get` for a download: a refusal (unknown file, no READ permission) is in the audit trail. */
  async getForDownload(principal: Principal, id: string): Promise<FileMeta> {
    try {
      return await this.get(principal, id);
    } catch (error) {
      this.audit.record(AuditAction.FileDownload, { actor: principal, fileId: id, error });
      throw error;
    }
  }

  /** A download about to be served (its bytes, a range of them, or a redirect to them), for the audit trail. */
  recordDownload(principal: Principal | undefined, file: FileMeta): void {
    this.audit.record(AuditAction.FileDownload, { actor: principal, fileId: file.id });
  }

  /** Opens the file's bytes (or one range of them) for a caller who may read it. */
  async openContent(file: FileMeta, range?: ByteRange): Promise<Readable> {
    try {
      return await this.storage.read(file.storageKey, range);
    } catch (error) {
      if (!(error instanceof DomainError && error.code === ErrorCode.NotFound)) throw error;
      // The row promises bytes that are gone: an operator's problem (a restore, a bucket emptied). The key is for the
      // log only; the caller learns nothing about where objects live.
      this.logger.error(
        { fileId: file.id, storageKey: file.storageKey },
        `File ${file.id} has no object at storage key ${file.storageKey}`,
      );
      throw new DomainError(ErrorCode.StorageInconsistent, `The content of file '${file.id}' is missing from storage.`);
    }
  }

  /** Counts a download's bytes in the metrics as they stream; call once the content is piped to the response. */
  meterDownload(content: Readable): void {
    this.metrics.meterDownload(content);
  }

  /** Removes the row first (the file disappears at once), then the bytes. */
  delete(principal: Principal, id: string): Promise<FileMeta> {
    return this.audit.track(AuditAction.FileDelete, { actor: principal, fileId: id }, () => this.deleteAudited(principal, id));
  }

  private async deleteAudited(principal: Principal, id: string): Promise<FileMeta> {
    const file = await this.find(id);
    if (!(await this.canWrite(principal, file))) {
      throw forbidden(`You do not have WRITE permission on file '${id}'.`);
    }
    // By id AND storage key: a row replaced since the check above (same id, other bytes) is not the one checked.
    if (!(await this.files.deleteExactly(file))) throw fileNotFound(id);
    await this.storage
      .delete(file.storageKey)
      .catch((e) => this.logger.error(`Deleted file ${id} but not its object ${file.storageKey}: ${e}`));
    this.logger.log(`Deleted file ${id} for ${principal.username}`);
    return file;
  }

  /** Owner, admin or a WRITE grant: see FileAccessPolicy. */
  canWrite(principal: Principal, file: FileMeta): Promise<boolean> {
    return this.access.canWrite(principal, file);
  }

  private find(id: string): Promise<FileMeta> {
    if (!isValidFileId(id)) return Promise.reject(fileNotFound(id));
    return this.files.findById(id).then((file) => file ?? Promise.reject(fileNotFound(id)));
  }
}

const idTaken = (id: string) => new DomainError(ErrorCode.FileIdTaken, `A file with id '${id}' already exists.`);
