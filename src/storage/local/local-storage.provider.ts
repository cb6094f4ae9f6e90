import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { constants, Dirent } from 'node:fs';
import { access, FileHandle, lstat, mkdir, open, opendir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { ParallelDigest } from '../parallel-digest.js';
import { assertStorageKey, isStorageKey } from '../storage-key.js';
import { ByteRange, ListedObject, ListOptions, PartialWrite, StorageProvider, StoredObject, WriteOptions } from '../storage-provider.js';
import { FileSink } from './file-sink.js';
import { dropFromPageCache } from './page-cache.js';

/** A temp file untouched for this long belongs to no live upload. */
const STALE_TEMP_MS = 60 * 60 * 1000;
/** Bytes per read of a download (see read()). */
const READ_CHUNK_BYTES = 256 * 1024;
/** Bytes a download reads before it drops them from the page cache behind it (see droppingBehind). */
const DROP_BEHIND_BYTES = 64 * 1024 * 1024;
const DEFAULT_PAGE_SIZE = 1000;
/** The names write() gives its temp files; nothing else in tmp/ is removed through removePartialWrite. */
const TEMP_NAME = /^[0-9a-f-]{36}\.part$/;

/**
 * Files on local disk under `root`: `objects/ab/<key>`, written first to `tmp/`, fsynced, then renamed into
 * place, so an object is either whole or absent.
 *
 * One level of 256 folders, made once each: the earlier layout `objects/ab/cd/<key>` (65,536 folders) made a new
 * folder for almost every upload of a young store, which cost more than the upload's own file. Objects written in
 * that layout are still found: reads, stats and deletes fall back to it.
 */

export class LocalStorageProvider extends StorageProvider {
  private readonly logger = new Logger(LocalStorageProvider.name);
  private readonly root: string;
  /** Object folders known to exist: saves a recursive mkdir (two system calls) on every upload. */
  private readonly knownDirs = new Set<string>();

  constructor(root: string) {
    super();
    this.root = resolve(root);
  }

  /**
   * Creates the folders and removes partial uploads a crash left behind. Only old ones: another process sharing
   * this root may be writing the young ones right now.
   */
  async init(): Promise<void> {
    await mkdir(join(this.root, 'objects'), { recursive: true });
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    const cutoff = Date.now() - STALE_TEMP_MS;
    let removed = 0;
    for (const name of await readdir(join(this.root, 'tmp'))) {
      const path = join(this.root, 'tmp', name);
      const info = await stat(path).catch(() => null);
      if (info && info.mtimeMs < cutoff) {
        await rm(path, { force: true });
        removed++;
      }
    }
    if (removed) this.logger.warn(`Removed ${removed} partial upload(s) left by an earlier run`);
  }

  async ping(): Promise<void> {
    // Both folders writable: a volume gone read-only or unmounted fails here.
    await access(join(this.root, 'objects'), constants.W_OK);
    await access(join(this.root, 'tmp'), constants.W_OK);
  }

  async write(key: string, body: Readable, options: WriteOptions = {}): Promise<StoredObject> {
    const target = this.pathOf(key);
    const temp = join(this.root, 'tmp', `${randomUUID()}.part`);
    const digest = new ParallelDigest({ maxBytes: options.maxBytes, onBytes: options.onBytes });
    try {
      const stored = await writeDurably(temp, body, digest);
      await this.publish(temp, target);
      return stored;
    } catch (error) {
      digest.dispose();
      await rm(temp, { force: true });
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const handle = await this.withLegacyFallback(key, (path) => open(path, 'r'));
    if (!handle) throw new DomainError(ErrorCode.NotFound, `Storage object '${key}' is missing.`);
    // Reads larger than the default 64 KiB: each read and socket write has a fixed cost, so large downloads keep up
    // with the bench floor, for a little more memory per download (docs/performance-profile.md).
    const stream = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES, ...(range ? { start: range.start, end: range.end } : {}) });
    if (range && range.end - range.start < DROP_BEHIND_BYTES) return stream;
    return Readable.from(droppingBehind(stream, handle, range?.start ?? 0), { objectMode: false });
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
    await rm(this.legacyPathOf(key), { force: true });
  }

  async stat(key: string): Promise<{ size: number } | null> {
    const info = await this.withLegacyFallback(key, (path) => stat(path));
    return info && { size: info.size };
  }

  /**
   * Makes a complete file that lies inside this store's root (a finished tus upload) the object `key`: a rename, so
   * the bytes are not copied and the object appears whole or not at all. The caller has fsynced the file.
   */
  async adopt(key: string, path: string): Promise<void> {
    const source = resolve(path);
    if (!source.startsWith(this.root + sep))
      throw new DomainError(ErrorCode.Internal, `Refusing to adopt a file outside the root: '${path}'`);
    await this.publish(source, this.pathOf(key));
  }

  async *list(options: ListOptions = {}): AsyncIterable<ListedObject[]> {
    const prefix = options.prefix ?? '';
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    let page: ListedObject[] = [];
    for await (const path of this.objectPaths(prefix)) {
      const key = path.slice(path.lastIndexOf(sep) + 1);
      if (!isStorageKey(key) || !key.startsWith(prefix)) continue;
      const info = await lstat(path).catch(ignoreMissing);
      if (!info?.isFile()) continue;
      page.push({ key, lastModified: info.mtime, size: info.size });
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  async *listPartialWrites(idleSince: Date, options: Pick<ListOptions, 'pageSize'> = {}): AsyncIterable<PartialWrite[]> {
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    let page: PartialWrite[] = [];
    for await (const entry of entriesOf(join(this.root, 'tmp'))) {
      if (!entry.isFile() || !TEMP_NAME.test(entry.name)) continue;
      // mtime moves with every write, so a slow upload still in progress stays young.
      const info = await lstat(join(this.root, 'tmp', entry.name)).catch(ignoreMissing);
      if (!info || info.mtime >= idleSince) continue;
      page.push({ id: entry.name, lastActivity: info.mtime });
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  async removePartialWrite(partial: PartialWrite): Promise<void> {
    if (!TEMP_NAME.test(partial.id)) throw new DomainError(ErrorCode.Internal, `Refusing malformed temp file name '${partial.id}'`);
    await rm(join(this.root, 'tmp', partial.id), { force: true });
  }

  /**
   * Paths of the files under objects/ whose folders fit `prefix`, one at a time (opendir reads a folder in batches,
   * never whole): `objects/ab/<key>`, and `objects/ab/cd/<key>` of the earlier layout.
   */
  private async *objectPaths(prefix: string): AsyncGenerator<string> {
    const fits = (name: string, from: number) => name.length === 2 && name.startsWith(prefix.slice(from, from + 2));
    for await (const top of entriesOf(join(this.root, 'objects'))) {
      if (!top.isDirectory() || !fits(top.name, 0)) continue;
      const topDir = join(this.root, 'objects', top.name);
      for await (const entry of entriesOf(topDir)) {
        if (entry.isFile()) yield join(topDir, entry.name);
        else if (entry.isDirectory() && fits(entry.name, 2)) {
          for await (const legacy of entriesOf(join(topDir, entry.name))) {
            if (legacy.isFile()) yield join(topDir, entry.name, legacy.name);
          }
        }
      }
    }
  }

  /** `action` on the object's path, else on its path in the earlier layout; null when neither exists. */
  private async withLegacyFallback<T>(key: string, action: (path: string) => Promise<T>): Promise<T | null> {
    for (const path of [this.pathOf(key), this.legacyPathOf(key)]) {
      try {
        return await action(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return null;
  }

  /** Moves a finished temp file into place, making its folder on first use (again if it was removed since). */
  private async publish(temp: string, target: string): Promise<void> {
    const dir = dirname(target);
    if (!this.knownDirs.has(dir)) await mkdir(dir, { recursive: true });
    await rename(temp, target).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT' || !this.knownDirs.has(dir)) throw error;
      await mkdir(dir, { recursive: true });
      await rename(temp, target);
    });
    this.knownDirs.add(dir);
  }

  /** The key's path, refusing anything that would land outside the root. */
  private pathOf(key: string): string {
    return this.inRoot(key, key.slice(0, 2));
  }

  /** Where the first releases put the key (`objects/ab/cd/<key>`). */
  private legacyPathOf(key: string): string {
    return this.inRoot(key, key.slice(0, 2), key.slice(2, 4));
  }

  private inRoot(key: string, ...folders: string[]): string {
    assertStorageKey(key);
    const path = resolve(this.root, 'objects', ...folders, key);
    if (!path.startsWith(this.root + sep)) throw new DomainError(ErrorCode.Internal, `Storage key escapes the root: '${key}'`);
    return path;
  }
}

const ignoreMissing = (error: NodeJS.ErrnoException): null => {
  if (error.code === 'ENOENT') return null;
  throw error;
};

/** A folder's entries, read lazily; none when it was removed meanwhile. */
async function* entriesOf(path: string): AsyncGenerator<Dirent> {
  let dir;
  try {
    dir = await opendir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  yield* dir;
}

/**
 * The chunks of `stream`, a download from `handle` starting at `position`, dropped from the page cache every
 * `DROP_BEHIND_BYTES` behind them: a large file passes through the cache as it does on upload (`FileSink`), and a
 * file smaller than that stays cached.
 */
async function* droppingBehind(stream: Readable, handle: FileHandle, position: number): AsyncGenerator<Buffer> {
  let cachedFrom = position;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    yield chunk;
    position += chunk.length;
    // The handle closes itself at the end of the stream: -1 then, and nothing is left to drop.
    if (position - cachedFrom >= DROP_BEHIND_BYTES && handle.fd !== -1) {
      dropFromPageCache(handle.fd, cachedFrom, position - cachedFrom);
      cachedFrom = position;
    }
  }
}

/**
 * Streams `body` into a new file through `digest`, then fsyncs it, so that a rename publishes only durable bytes.
 * A plain loop over one file handle rather than pipeline() into a WriteStream: fewer objects and events, which is most
 * of what a small upload costs. The chunks go to a `FileSink`, which writes those that arrive during a write together
 * in the next one; the hashes of a large body run in worker threads meanwhile (`ParallelDigest`). The loop waits for
 * either only when its buffer is full. The digests are complete before the caller publishes the file. Leaving the loop
 * early (an error, a client abort, the size limit) destroys `body` as pipeline() would (a server request without its
 * socket, so an error response can still be sent); if the file cannot even be opened, `body` is left unread for the
 * caller's error handling.
 */
async function writeDurably(path: string, body: Readable, digest: ParallelDigest): Promise<StoredObject> {
  // The loop starts listening to `body` only once the file is open; an error before then must not go unheard (an
  // unheard 'error' ends the process). The loop still sees it: a stream remembers why it was destroyed.
  const meanwhile = () => {};
  body.on('error', meanwhile);
  const file = await open(path, 'wx', 0o640).finally(() => body.off('error', meanwhile));
  const sink = new FileSink(file);
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const hashing = digest.update(chunk);
      const writing = sink.write(chunk);
      if (writing) await writing;
      if (hashing) await hashing;
    }
    const [stored] = await Promise.all([digest.result(), sink.finish()]);
    return stored;
  } finally {
    await sink.settled(); // never close a file under a write
    await file.close();
  }
}
