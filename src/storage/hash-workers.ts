import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Worker threads that hash bytes the main thread has copied into a shared ring, so md5 and sha256 of one upload run
 * side by side on two cores instead of one after the other on the event loop. Each session is one hash (one
 * algorithm) kept inside one worker; messages on a worker are handled in order, so a session needs no locks.
 *
 * The worker's code is a string (`eval`), so the same file runs from `dist/` and under ts-jest.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const sessions = new Map();
parentPort.on('message', (m) => {
  if (m.t === 'open') sessions.set(m.s, { hash: createHash(m.alg), ring: new Uint8Array(m.ring) });
  else if (m.t === 'update') {
    const session = sessions.get(m.s);
    if (session) session.hash.update(session.ring.subarray(m.offset, m.offset + m.length));
    parentPort.postMessage({ t: 'ack', s: m.s, slot: m.slot });
  } else if (m.t === 'end') {
    const session = sessions.get(m.s);
    sessions.delete(m.s);
    parentPort.postMessage({ t: 'digest', s: m.s, hex: session ? session.hash.digest('hex') : null });
  } else if (m.t === 'drop') sessions.delete(m.s);
});
`;

type FromWorker = { t: 'ack'; s: number; slot: number } | { t: 'digest'; s: number; hex: string | null };

/** What a session's owner hears from its worker. */
export interface HashSessionListener {
  onAck(slot: number): void;
  onDigest(hex: string): void;
  onFailure(error: Error): void;
}

class HashWorker {
  readonly worker: Worker;
  readonly sessions = new Map<number, HashSessionListener>();
  private dead = false;
  /** Answers (acks, digests) still to come: while any are, the worker keeps the process alive. */
  private owed = 0;

  constructor(private readonly onExit: (worker: HashWorker) => void) {
    // A worker allocates next to nothing (it reads the shared ring): small heaps keep its memory down.
    this.worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 } });
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => {
      if (--this.owed === 0) this.worker.unref();
      const listener = this.sessions.get(m.s);
      if (!listener) return;
      if (m.t === 'ack') listener.onAck(m.slot);
      else {
        this.sessions.delete(m.s);
        if (m.hex === null) listener.onFailure(new Error('The hash worker lost the session.'));
        else listener.onDigest(m.hex);
      }
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`A hash worker exited (code ${code}).`)));
  }

  get alive(): boolean {
    return !this.dead;
  }

  add(id: number, listener: HashSessionListener): void {
    this.sessions.set(id, listener);
  }

  remove(id: number): void {
    if (this.sessions.delete(id)) this.worker.postMessage({ t: 'drop', s: id });
  }

  /** Sends a message the worker answers (update, end). An idle session (a tus upload between requests) holds no ref. */
  ask(message: object): void {
    if (this.owed++ === 0) this.worker.ref();
    this.worker.postMessage(message);
  }

  post(message: object): void {
    this.worker.postMessage(message);
  }

  private fail(error: Error): void {
    if (this.dead) return;
    this.dead = true;
    const listeners = [...this.sessions.values()];
    this.sessions.clear();
    this.onExit(this);
    for (const listener of listeners) listener.onFailure(error);
  }
}

/** A hash running in a worker, fed from a shared ring. */
export interface HashSession {
  update(slot: number, offset: number, length: number): void;
  /** Asks for the digest; the listener hears it (or a failure). */
  end(): void;
  /** Forgets the hash; no further callbacks. */
  drop(): void;
}

export class HashWorkerPool {
  private workers: HashWorker[] = [];
  private nextSession = 1;
  private nextWorker = 0;
  private closed = false;

  constructor(readonly size = Math.max(2, Math.min(4, availableParallelism()))) {}

  /** Live workers (started lazily, replaced when one dies). */
  get workerCount(): number {
    return this.workers.length;
  }

  /** Sessions open across all workers. */
  get openSessions(): number {
    return this.workers.reduce((n, w) => n + w.sessions.size, 0);
  }

  /** Opens one hash per algorithm, each on a different worker where there are enough. */
  open(algorithms: string[], ring: SharedArrayBuffer, listeners: HashSessionListener[]): HashSession[] {
    if (this.closed) throw new Error('The hash worker pool is closed.');
    while (this.workers.length < this.size) this.workers.push(new HashWorker((w) => this.forget(w)));
    const start = this.nextWorker++ % this.workers.length;
    return algorithms.map((alg, i) => {
      const worker = this.workers[(start + i) % this.workers.length];
      const id = this.nextSession++;
      worker.add(id, listeners[i]);
      worker.post({ t: 'open', s: id, alg, ring });
      return {
        update: (slot, offset, length) => worker.ask({ t: 'update', s: id, slot, offset, length }),
        end: () => worker.ask({ t: 'end', s: id }),
        drop: () => worker.remove(id),
      };
    });
  }

  /** Stops every worker; sessions still open fail. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  /** Test hook: ends one worker abruptly, as a crash would. */
  async crashOne(): Promise<void> {
    await this.workers[0]?.worker.terminate();
  }

  private forget(worker: HashWorker): void {
    this.workers = this.workers.filter((w) => w !== worker);
  }
}

let shared: HashWorkerPool | undefined;

/** The process's pool, made on first use. */
export function sharedHashWorkerPool(): HashWorkerPool {
  shared ??= new HashWorkerPool();
  return shared;
}
