import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { DigestStream } from '../digest-stream.js';
import { assertStorageKey } from '../storage-key.js';
import { ByteRange, StorageProvider, StoredObject, WriteOptions } from '../storage-provider.js';

/**
 * Files on local disk under `root`: `objects/ab/cd/<key>`, written first to `tmp/`, fsynced, then renamed into
 * place, so an object is either whole or absent.
 */
/** A temp file untouched for this long belongs to no live upload. */
const STALE_TEMP_MS = 60 * 60 * 1000;

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

  async write(key: string, body: Readable, options: WriteOptions = {}): Promise<StoredObject> {
    const target = this.pathOf(key);
    const temp = join(this.root, 'tmp', `${randomBytes(12).toString('hex')}.part`);
    const digest = new DigestStream(options.maxBytes);
    try {
      // flush: fsync before close, so the rename below publishes only durable bytes.
      await pipeline(body, digest, createWriteStream(temp, { flags: 'wx', mode: 0o640, flush: true }));
      await this.publish(temp, target);
      return digest.result();
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const handle = await open(this.pathOf(key), 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new DomainError(ErrorCode.NotFound, `Storage object '${key}' is missing.`);
      throw error;
    });
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async stat(key: string): Promise<{ size: number } | null> {
    const info = await stat(this.pathOf(key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    return info && { size: info.size };
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
    assertStorageKey(key);
    const path = resolve(this.root, 'objects', key.slice(0, 2), key.slice(2, 4), key);
    if (!path.startsWith(this.root + sep)) throw new DomainError(ErrorCode.Internal, `Storage key escapes the root: '${key}'`);
    return path;
  }
}
