import { createHash, Hash } from 'node:crypto';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { HashSession, HashWorkerPool, sharedHashWorkerPool } from './hash-workers.js';
import { StoredObject } from './storage-provider.js';

/** Bodies up to this many bytes are hashed on the event loop: a worker round trip costs more than hashing them. */
const INLINE_BYTES = 256 * 1024;
const SLOT_BYTES = 1024 * 1024;
/** Slots per upload: how many bytes may wait for the workers before the upload waits for them (backpressure). */
const SLOTS = 4;
/** Uploads hashed in workers at once; more hash on the event loop, so shared memory stays bounded. */
const MAX_RINGS = 8;
const ALGORITHMS = ['sha256', 'md5'] as const;

const freeRings: SharedArrayBuffer[] = [];
let ringsOut = 0;

function takeRing(): SharedArrayBuffer | undefined {
  const ring = freeRings.pop();
  if (ring) {
    ringsOut++;
    return ring;
  }
  if (ringsOut >= MAX_RINGS) return undefined;
  ringsOut++;
  return new SharedArrayBuffer(SLOTS * SLOT_BYTES);
}

/** A ring a worker may still read (an aborted upload) is not reused; the collector takes it. */
function giveBackRing(ring: SharedArrayBuffer, reusable: boolean): void {
  ringsOut--;
  if (reusable) freeRings.push(ring);
}

export interface ParallelDigestOptions {
  maxBytes?: number;
  onBytes?: (bytes: number) => void;
  pool?: HashWorkerPool;
}

/**
 * Counts and hashes (sha256 + md5) bytes fed to it in order, enforcing a size limit, like `Digest`; past the first
 * `INLINE_BYTES` the two hashes run in worker threads, in parallel with each other and with the event loop. Chunks
 * are copied into a shared ring of `SLOTS` slots; `update` returns a promise when the ring is full, which the
 * caller awaits before it reads more (that is the backpressure). Call `result()` once after the last chunk, or
 * `dispose()` when giving up; either frees the workers' sessions.
 */
export class ParallelDigest {
  private readonly maxBytes: number;
  private readonly onBytes?: (bytes: number) => void;
  private readonly pool: HashWorkerPool;
  private bytesSeen = 0;
  private pending: Buffer[] = [];
  private inline?: Hash[];
  private ring?: Uint8Array;
  private sab?: SharedArrayBuffer;
  private sessions?: HashSession[];
  private digests?: Promise<string[]>;
  /** Workers yet to hash each slot. */
  private readonly slotReaders = new Array<number>(SLOTS).fill(0);
  private slot = 0;
  private offset = 0;
  private failure?: Error;
  private wake?: () => void;
  private finished = false;

  constructor(options: ParallelDigestOptions = {}) {
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.onBytes = options.onBytes;
    this.pool = options.pool ?? sharedHashWorkerPool();
  }

  /** Whether the hashes went to worker threads (for tests and metrics). */
  get inWorkers(): boolean {
    return this.sessions !== undefined;
  }

  /**
   * Throws PAYLOAD_TOO_LARGE once the bytes seen pass the limit. Returns a promise when the caller must wait before
   * the next chunk; the chunk itself is taken either way. The chunk must not change afterwards.
   */
  update(chunk: Buffer): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    this.bytesSeen += chunk.length;
    this.onBytes?.(chunk.length);
    if (this.bytesSeen > this.maxBytes) {
      this.dispose();
      throw new DomainError(ErrorCode.PayloadTooLarge, `The file is larger than the limit of ${this.maxBytes} bytes.`);
    }
    if (this.inline) {
      for (const hash of this.inline) hash.update(chunk);
      return undefined;
    }
    if (this.sessions) return this.copy(chunk);
    this.pending.push(chunk);
    if (this.bytesSeen <= INLINE_BYTES) return undefined;
    return this.start();
  }

  /** The digests, once every byte is hashed. */
  async result(): Promise<StoredObject> {
    if (this.failure) throw this.failure;
    if (!this.sessions) {
      const hashes = this.inline ?? this.hashInline();
      this.finished = true;
      const [sha256, md5] = hashes.map((h) => h.digest('hex'));
      return { size: this.bytesSeen, sha256, md5 };
    }
    if (this.offset > 0) {
      await this.waitForSlot();
      this.dispatch();
    }
    for (const session of this.sessions) session.end();
    const [sha256, md5] = await this.digests!;
    return { size: this.bytesSeen, sha256, md5 };
  }

  /** Stops hashing and frees the workers' sessions; safe to call more than once and after `result()`. */
  dispose(): void {
    this.pending = [];
    if (!this.sessions || this.finished) return;
    this.finished = true;
    for (const session of this.sessions) session.drop();
    this.releaseRing();
    this.fail(new DomainError(ErrorCode.UploadAborted, 'The upload was abandoned.'));
  }

  private hashInline(): Hash[] {
    const hashes = ALGORITHMS.map((alg) => createHash(alg));
    for (const chunk of this.pending) for (const hash of hashes) hash.update(chunk);
    this.pending = [];
    return hashes;
  }

  /** Past the inline size: hand the hashes to the workers if a ring is free, else keep them here. */
  private start(): Promise<void> | undefined {
    const sab = takeRing();
    if (!sab) {
      this.inline = this.hashInline();
      return undefined;
    }
    this.sab = sab;
    this.ring = new Uint8Array(sab);
    const results = ALGORITHMS.map(() => {
      let resolve!: (hex: string) => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<string>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    });
    this.sessions = this.pool.open(
      [...ALGORITHMS],
      sab,
      results.map((r) => ({
        onAck: (slot) => this.acked(slot),
        onDigest: (hex) => r.resolve(hex),
        onFailure: (error) => {
          r.reject(error);
          this.fail(error);
        },
      })),
    );
    this.digests = Promise.all(results.map((r) => r.promise)).then(
      (hexes) => {
        this.finished = true;
        this.releaseRing();
        return hexes;
      },
      (error: Error) => {
        this.dispose();
        throw error;
      },
    );
    this.digests.catch(() => {}); // surfaced by result()
    const chunks = this.pending;
    this.pending = [];
    return this.copyAll(chunks, 0);
  }

  private copyAll(chunks: Buffer[], from: number): Promise<void> | undefined {
    for (let i = from; i < chunks.length; i++) {
      const waiting = this.copy(chunks[i]);
      if (waiting) return waiting.then(() => this.copyAll(chunks, i + 1));
    }
    return undefined;
  }

  /** Copies `chunk` into the ring, sending each slot to the workers as it fills. */
  private copy(chunk: Buffer): Promise<void> | undefined {
    let at = 0;
    while (at < chunk.length) {
      if (this.slotReaders[this.slot] > 0) return this.waitForSlot().then(() => this.copy(chunk.subarray(at)));
      const n = Math.min(SLOT_BYTES - this.offset, chunk.length - at);
      this.ring!.set(chunk.subarray(at, at + n), this.slot * SLOT_BYTES + this.offset);
      this.offset += n;
      at += n;
      if (this.offset === SLOT_BYTES) this.dispatch();
    }
    return undefined;
  }

  private dispatch(): void {
    this.slotReaders[this.slot] = this.sessions!.length;
    for (const session of this.sessions!) session.update(this.slot, this.slot * SLOT_BYTES, this.offset);
    this.slot = (this.slot + 1) % SLOTS;
    this.offset = 0;
  }

  /** Resolves once the current slot is free (every worker has hashed what it last held). */
  private waitForSlot(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.slotReaders[this.slot] === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.wake = () => {
        this.wake = undefined;
        if (this.failure) reject(this.failure);
        else resolve();
      };
    });
  }

  private acked(slot: number): void {
    this.slotReaders[slot]--;
    if (slot === this.slot && this.slotReaders[slot] === 0) this.wake?.();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wake?.();
  }

  private releaseRing(): void {
    if (!this.sab) return;
    giveBackRing(
      this.sab,
      this.slotReaders.every((n) => n === 0),
    );
    this.sab = undefined;
    this.ring = undefined;
  }
}
