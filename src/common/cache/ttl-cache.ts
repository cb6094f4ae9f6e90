/**
 * A small in-process cache whose entries live `ttlMs`. For hot per-request lookups only: nothing here is state
 * another instance needs, and a stale entry can at worst outlive a change made elsewhere by `ttlMs`.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, now = Date.now()): void {
    this.setUntil(key, value, now + this.ttlMs, now);
  }

  /** An entry that lives until `expires` (epoch ms), but never longer than the cache's `ttlMs`. */
  setUntil(key: string, value: V, expires: number, now = Date.now()): void {
    // A Map iterates in insertion order: the first key is the oldest.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires: Math.min(expires, now + this.ttlMs) });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
