import { FileHandle } from 'node:fs/promises';
import { dropFromPageCache } from './page-cache.js';

/** Bytes that may wait behind the write in flight before `write` asks its caller to wait. */
const QUEUED_BYTES = 4 * 1024 * 1024;
/**
 * Bytes all the process's sinks may hold queued before each keeps only `QUEUED_BYTES_UNDER_PRESSURE`: many uploads
 * at once then read their bodies about as fast as they are written, rather than each holding its 4 MiB in memory.
 */
const QUEUED_BYTES_ALL_SINKS = 16 * 1024 * 1024;
const QUEUED_BYTES_UNDER_PRESSURE = 128 * 1024;
let queuedInAllSinks = 0;
/**
 * Written bytes after which a `datasync` starts in the background, so the final fsync has only a tail to flush; a
 * file that reaches it counts as large (see `dropBehind`).
 */
const SYNC_EVERY_BYTES = 64 * 1024 * 1024;

/**
 * Writes a stream of chunks into one open file, in order from `position`, then makes them durable.
 *
 * Each write is a round trip through the thread pool, and a socket hands over 64 KiB at a time: writing chunk by
 * chunk makes large uploads wait on those round trips. So one write is in flight at a time and the chunks that arrive
 * meanwhile go out together in the next `writev`; a small body is still one plain write. Every `SYNC_EVERY_BYTES` a
 * `datasync` runs beside the writes, so that `finish()` does not flush a whole large file to disk at once, and the
 * bytes it made durable leave the page cache (`dropBehind`).
 *
 * The chunks must not change once given (a request body's chunks never do).
 */
export class FileSink {
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  private writing?: Promise<void>;
  private syncing?: Promise<void>;
  private unsynced = 0;
  private failure?: Error;
  /** Where the bytes still in the page cache start, once the file counts as large. */
  private cachedFrom?: number;
  private readonly startedAt: number;

  constructor(
    private readonly file: FileHandle,
    private position = 0,
  ) {
    this.startedAt = position;
  }

  /** Queues `chunk`; returns a promise when the caller should wait before the next one (the queue is full). */
  write(chunk: Buffer): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    if (chunk.length === 0) return undefined;
    this.queued.push(chunk);
    this.queuedBytes += chunk.length;
    queuedInAllSinks += chunk.length;
    this.writing ??= this.drain();
    const limit = queuedInAllSinks > QUEUED_BYTES_ALL_SINKS ? QUEUED_BYTES_UNDER_PRESSURE : QUEUED_BYTES;
    return this.queuedBytes >= limit ? this.writing : undefined;
  }

  /** Writes what is queued, then fsyncs the file. Rejects with the first error any write or sync met. */
  async finish(): Promise<void> {
    await this.settled();
    if (this.failure) throw this.failure;
    await this.file.sync();
    if (this.cachedFrom !== undefined) this.dropBehind(this.position);
  }

  /** Resolves once no write or sync is in flight, whatever their outcome (the file may then be closed). */
  async settled(): Promise<void> {
    await this.writing;
    await this.syncing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queued.length > 0 && !this.failure) {
        const chunks = this.takeQueued();
        const bytes = await this.writeAll(chunks);
        this.position += bytes;
        this.unsynced += bytes;
        if (this.unsynced >= SYNC_EVERY_BYTES) this.syncInBackground();
      }
    } catch (error) {
      this.failure ??= error as Error;
    } finally {
      this.takeQueued(); // after a failure, what was still queued is dropped
      this.writing = undefined;
    }
  }

  private takeQueued(): Buffer[] {
    const chunks = this.queued;
    queuedInAllSinks -= this.queuedBytes;
    this.queued = [];
    this.queuedBytes = 0;
    return chunks;
  }

  /** Writes `chunks` at the current position; returns how many bytes that was. */
  private async writeAll(chunks: Buffer[]): Promise<number> {
    let done =
      chunks.length === 1
        ? (await this.file.write(chunks[0], 0, chunks[0].length, this.position)).bytesWritten
        : (await this.file.writev(chunks, this.position)).bytesWritten;
    // A short write is rare (a signal, a disk about to be full): finish it chunk by chunk.
    let start = 0;
    for (const chunk of chunks) {
      const end = start + chunk.length;
      while (done < end) {
        const { bytesWritten } = await this.file.write(chunk, done - start, end - done, this.position + done);
        if (bytesWritten === 0) throw new Error('The file took no more bytes.');
        done += bytesWritten;
      }
      start = end;
    }
    return done;
  }

  private syncInBackground(): void {
    this.unsynced = 0;
    if (this.syncing) return; // the one in flight covers most of it; the next threshold starts another
    const durableUpTo = this.position;
    this.cachedFrom ??= this.startedAt;
    this.syncing = this.file
      .datasync()
      .then(
        () => this.dropBehind(durableUpTo),
        (error: Error) => {
          this.failure ??= error;
        },
      )
      .finally(() => (this.syncing = undefined));
  }

  /**
   * A large upload is written once and seldom read back at once: its durable bytes leave the page cache rather than
   * push out what is hot, and their pages are reused for the next ones, which costs the kernel less than new pages
   * (docs/performance-profile.md).
   */
  private dropBehind(upTo: number): void {
    dropFromPageCache(this.file.fd, this.cachedFrom!, upTo - this.cachedFrom!);
    this.cachedFrom = upTo;
  }
}
