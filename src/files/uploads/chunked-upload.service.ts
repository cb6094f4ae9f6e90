import { Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { Permission } from '../../permissions/permissions.js';
import { Principal } from '../../auth/principal.js';
import { AppConfig } from '../../config/app-config.js';
import { DomainError, badRequest, forbidden } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { newStorageKey } from '../../storage/storage-key.js';
import { StorageProvider } from '../../storage/storage-provider.js';
import { QuotaService } from '../../users/quotas/quota.service.js';
import { FileMeta } from '../file-meta.entity.js';
import { isValidFileId, newFileId } from '../file-id.js';
import { FilesService } from '../files.service.js';
import { beforeReading } from '../upload-request.js';
import { UploadChunk, UploadSession } from './upload-session.js';
import { UploadSessionsRepository } from './upload-sessions.repository.js';

/** One part of an upload, as the Appmixer headers describe it (numbers already parsed, not yet judged). */
export interface ChunkInput {
  body: Readable;
  filename: string;
  contentType: string;
  /** `uploader-file-id`: the client's own id (huge-uploader) or the file id the server answered with. */
  uploadId?: string;
  chunksTotal?: number;
  chunkNumber?: number;
  /** `uploader-chunk-size`: informational. */
  chunkSize?: number;
}

/** A complete file, or an upload still waiting for chunks (with the bytes received so far). */
export type UploadOutcome = { kind: 'file'; file: FileMeta } | { kind: 'partial'; session: UploadSession; bytes: number };

/** Ceiling on `uploader-chunks-total`: every chunk is a row and an object. */
export const MAX_CHUNKS = 10_000;

/**
 * Chunked uploads (Appmixer and huge-uploader clients): each chunk is its own storage object and row; the last one
 * to arrive assembles the file by streaming every chunk, in order, into one object, and commits it through
 * FilesService. State lives in PostgreSQL and storage only, so any instance can take any chunk.
 */
@Injectable()
export class ChunkedUploadService {
  private readonly logger = new Logger(ChunkedUploadService.name);

  constructor(
    private readonly sessions: UploadSessionsRepository,
    private readonly storage: StorageProvider,
    private readonly files: FilesService,
    private readonly config: AppConfig,
    private readonly quotas: QuotaService,
  ) {}

  private get expirySeconds(): number {
    return this.config.uploads.expirySeconds;
  }

  async receive(principal: Principal, input: ChunkInput): Promise<UploadOutcome> {
    if (!principal.can(Permission.FileWrite)) throw forbidden('Uploading requires the WRITE permission.');
    if (input.chunksTotal !== undefined && (input.chunksTotal < 1 || input.chunksTotal > MAX_CHUNKS)) {
      throw badRequest(`uploader-chunks-total must be from 1 to ${MAX_CHUNKS}, not ${input.chunksTotal}.`);
    }
    if (input.uploadId !== undefined && !isValidFileId(input.uploadId)) {
      throw badRequest(`uploader-file-id must be 1-128 of A-Z a-z 0-9 . _ - (starting with a letter or digit).`);
    }
    // Upload ids are per user: another user's upload under the same id is never found, so never joined or confirmed.
    let session = input.uploadId === undefined ? null : await this.sessions.findByUploadId(principal.userId, input.uploadId);
    if (session?.state === 'complete') return this.alreadyComplete(principal, session, input.body);
    if (!session && (input.chunksTotal ?? 1) === 1) {
      const file = input.uploadId === undefined ? await this.uploadWhole(principal, input) : await this.uploadWholeOnce(principal, input);
      return { kind: 'file', file };
    }

    if (session && input.chunksTotal !== undefined && input.chunksTotal !== session.chunksTotal) {
      throw badRequest(`This upload has ${session.chunksTotal} chunks; uploader-chunks-total cannot change to ${input.chunksTotal}.`);
    }
    const total = session?.chunksTotal ?? input.chunksTotal!;
    const number = this.checkNumber(input.chunkNumber, total, session?.numberingBase ?? null);
    session ??= await this.start(principal, input, total);
    if (session.state === 'complete') return this.alreadyComplete(principal, session, input.body);
    return this.storeChunk(principal, session, number, input.body);
  }

  /**
   * Deletes expired sessions, and sessions stuck in assembly for ORPHAN_MIN_AGE_SECONDS, with their bytes; safe to
   * run on several instances at once.
   */
  async sweepExpired(): Promise<number> {
    const { sessions, storageKeys } = await this.sessions.deleteExpired(this.expirySeconds, this.config.orphans.minAgeSeconds);
    await this.removeObjects(storageKeys);
    if (sessions > 0) this.logger.log(`Removed ${sessions} expired unfinished upload(s) (${storageKeys.length} object(s))`);
    return sessions;
  }

  /** A single-part upload: the part is the whole file. */
  private uploadWhole(principal: Principal, input: ChunkInput): Promise<FileMeta> {
    this.checkWholeNumber(input);
    return this.files.upload(principal, { body: input.body, filename: input.filename, contentType: input.contentType });
  }

  /**
   * A single-part upload under an `uploader-file-id`: a session of one part, claimed at once, records which file the
   * id made, so that the part resent (a client retrying after a lost answer) returns that file instead of a second.
   */
  private async uploadWholeOnce(principal: Principal, input: ChunkInput): Promise<FileMeta> {
    this.checkWholeNumber(input);
    const session = await this.start(principal, input, 1);
    if (session.state === 'complete') return this.fileOf(principal, session, input.body);
    const key = newStorageKey();
    const claimed =
      session.state === 'open' && session.chunksTotal === 1 ? await this.sessions.claim(session.id, key, this.expirySeconds) : null;
    if (!claimed) {
      throw new DomainError(ErrorCode.Conflict, `Upload '${session.uploadId}' is already in progress; wait for its answer, or retry.`);
    }
    try {
      const allowance = await beforeReading(input.body, this.quotas.assertCanStore(principal, {}));
      const stored = await this.files.storeClientBytes(key, input.body, allowance.cap(this.files.maxUploadBytes)).catch((error) => {
        throw allowance.translate(error);
      });
      const file = await this.files.commitStored(principal, {
        id: claimed.fileId,
        filename: claimed.filename,
        contentType: claimed.contentType,
        storageKey: key,
        stored,
      });
      await this.sessions.complete(claimed.id, this.expirySeconds);
      return file;
    } catch (error) {
      // Nothing was made: the id is free for the retry.
      await this.removeObjects([key, ...(await this.sessions.delete(claimed.id))]);
      throw error;
    }
  }

  private checkWholeNumber(input: ChunkInput): void {
    if (input.chunkNumber !== undefined && input.chunkNumber > 1) {
      throw badRequest(`A one-chunk upload has chunk 0 or 1, not ${input.chunkNumber}.`);
    }
  }

  /** A part of an upload that already made its file: the file again (the part's bytes are not needed). */
  private async alreadyComplete(principal: Principal, session: UploadSession, body: Readable): Promise<UploadOutcome> {
    return { kind: 'file', file: await this.fileOf(principal, session, body) };
  }

  private fileOf(principal: Principal, session: UploadSession, body: Readable): Promise<FileMeta> {
    body.resume();
    return this.files.get(principal, session.fileId);
  }

  /** Chunk numbers are 0-based once chunk 0 arrived, 1-based once chunk `total` did; both in one upload is 400. */
  private checkNumber(number: number | undefined, total: number, base: 0 | 1 | null): number {
    if (number === undefined) throw badRequest('uploader-chunk-number is required when uploader-chunks-total is more than 1.');
    const [low, high] = base === 0 ? [0, total - 1] : base === 1 ? [1, total] : [0, total];
    if (number < low || number > high)
      throw badRequest(`uploader-chunk-number must be from ${low} to ${high} for this upload, not ${number}.`);
    return number;
  }

  private async start(principal: Principal, input: ChunkInput, total: number): Promise<UploadSession> {
    // Appmixer clients send no id with their first chunk: the file id the server makes is the upload id too.
    const fileId = newFileId();
    const uploadId = input.uploadId ?? fileId;
    if (input.uploadId !== undefined && (await this.sessions.fileOwnedBy(uploadId, principal.userId))) {
      throw new DomainError(ErrorCode.Conflict, `File '${uploadId}' is already complete; start a new upload without uploader-file-id.`);
    }
    const limit = this.config.uploads.sessionsPerUser;
    const session = await this.sessions.create(
      {
        ownerId: principal.userId,
        uploadId,
        fileId,
        filename: input.filename,
        contentType: input.contentType,
        chunksTotal: total,
        chunkSize: input.chunkSize ?? null,
        expirySeconds: this.expirySeconds,
      },
      limit,
    );
    if (session === 'over-limit') {
      throw new DomainError(
        ErrorCode.TooManyRequests,
        `You have ${limit} unfinished uploads open, the most allowed (UPLOAD_SESSIONS_PER_USER); finish one, or let one expire.`,
      );
    }
    return session;
  }

  private async storeChunk(principal: Principal, session: UploadSession, number: number, body: Readable): Promise<UploadOutcome> {
    // The chunks received so far count against the quota too: the file they make will.
    const allowance = await beforeReading(
      body,
      this.quotas.assertCanStore(principal, { pendingBytes: () => this.sessions.bytesReceived(session.id) }),
    );
    const storageKey = newStorageKey();
    const stored = await this.files.storeClientBytes(storageKey, body, allowance.cap(this.files.maxUploadBytes)).catch((error) => {
      throw allowance.translate(error);
    });
    const chunk: UploadChunk = { number, storageKey, size: stored.size, sha256: stored.sha256 };
    const record = await this.sessions.recordChunk(session.id, chunk, this.expirySeconds, newStorageKey()).catch(async (error) => {
      await this.removeObjects([storageKey]);
      throw error;
    });
    if (record.kind !== 'recorded') await this.removeObjects([storageKey]);
    switch (record.kind) {
      case 'gone':
        throw new DomainError(ErrorCode.NotFound, `Upload '${session.uploadId}' expired or was completed; start again.`);
      case 'complete':
        return { kind: 'file', file: await this.files.get(principal, record.session.fileId) };
      case 'closed':
        throw new DomainError(ErrorCode.Conflict, `Upload '${session.uploadId}' is being assembled; it needs no more chunks.`);
      case 'out-of-range':
        throw badRequest(`uploader-chunk-number ${number} is out of range: this upload numbers its chunks from ${record.base}.`);
      case 'duplicate':
        if (!record.sameBytes)
          throw new DomainError(
            ErrorCode.Conflict,
            `Chunk ${number} of upload '${session.uploadId}' was already received with different bytes.`,
          );
        return { kind: 'partial', session: record.session, bytes: record.bytes };
      case 'recorded':
        if (!record.claimed) return { kind: 'partial', session: record.session, bytes: record.bytes };
        return { kind: 'file', file: await this.assemble(principal, record.session) };
    }
  }

  /**
   * Streams every chunk, in order, into one object; commits the file; then drops the chunks. The session stays,
   * complete, so that a resent chunk finds this file; a failed assembly drops it with everything it held.
   */
  private async assemble(principal: Principal, session: UploadSession): Promise<FileMeta> {
    const chunks = await this.sessions.chunksOf(session.id);
    const key = session.assembledKey!;
    let file: FileMeta;
    try {
      const stored = await this.storage.write(key, Readable.from(this.concatenate(chunks)), { maxBytes: this.files.maxUploadBytes });
      file = await this.files.commitStored(principal, {
        id: session.fileId,
        filename: session.filename,
        contentType: session.contentType,
        storageKey: key,
        stored,
      });
    } catch (error) {
      // An upload that cannot be assembled (too large, storage failure) is abandoned whole: nothing may linger.
      await this.removeObjects([key, ...(await this.sessions.delete(session.id))]);
      throw error;
    }
    await this.removeObjects(await this.sessions.complete(session.id, this.expirySeconds));
    return file;
  }

  private async *concatenate(chunks: UploadChunk[]): AsyncGenerator<Buffer> {
    for (const chunk of chunks) {
      for await (const bytes of await this.storage.read(chunk.storageKey)) yield bytes as Buffer;
    }
  }

  private async removeObjects(keys: string[]): Promise<void> {
    await Promise.all(
      keys.map((key) => this.storage.delete(key).catch((e) => this.logger.error(`Could not remove upload object ${key}: ${e}`))),
    );
  }
}
