import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Something that holds storage keys: given a batch of keys, it says which of them it references. */
export interface StorageReferenceSource {
  readonly name: string;
  /** Of `keys`, those this source references; one query (or call) for the whole batch. */
  referenced(keys: readonly string[]): Promise<Iterable<string>>;
}

/** A table column that holds storage keys (indexed: the sweeper looks keys up in it a page at a time). */
export interface KeyColumn {
  table: string;
  column: string;
}

/**
 * Every column whose keys the orphan sweeper must never remove. A feature that stores objects under keys of its
 * own (another upload protocol, say) adds its column here, or registers a source of its own with
 * `StorageReferences.register`; objects it wrote stay unseen by the sweeper only once it does.
 */
export const KEY_COLUMNS: readonly KeyColumn[] = [
  { table: 'file_meta', column: 'storage_key' },
  { table: 'upload_chunks', column: 'storage_key' },
  { table: 'upload_sessions', column: 'assembled_key' },
  // A tus upload's id is the storage key it becomes: its bytes (an S3 multipart upload, or the object being
  // completed) are referenced while the row lasts; the tus sweeper removes expired ones.
  { table: 'tus_uploads', column: 'id' },
];

/** The key columns, all asked at once: one `= ANY($1)` query per batch of keys, a UNION of index lookups. */
export class KeyColumnsSource implements StorageReferenceSource {
  readonly name: string;
  private readonly sql: string;

  constructor(
    private readonly db: DataSource,
    columns: readonly KeyColumn[],
  ) {
    this.name = columns.map((c) => `${c.table}.${c.column}`).join(', ');
    // Names from the constant list above, never from input.
    this.sql = columns.map((c) => `SELECT ${c.column} AS key FROM ${c.table} WHERE ${c.column} = ANY($1::varchar[])`).join(' UNION ');
  }

  async referenced(keys: readonly string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows: { key: string }[] = await this.db.query(this.sql, [keys]);
    return rows.map((row) => row.key);
  }
}

/** Which storage keys some row (or other registered source) still references: the sweeper's "has a row". */
@Injectable()
export class StorageReferences {
  private readonly sources: StorageReferenceSource[];

  constructor(db: DataSource) {
    this.sources = [new KeyColumnsSource(db, KEY_COLUMNS)];
  }

  /** Adds a source; call it at module init, before the first sweep. */
  register(source: StorageReferenceSource): void {
    this.sources.push(source);
  }

  get sourceNames(): string[] {
    return this.sources.map((source) => source.name);
  }

  /** Of `keys`, those any source references. */
  async referenced(keys: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    if (keys.length === 0) return found;
    for (const answer of await Promise.all(this.sources.map((source) => source.referenced(keys)))) {
      for (const key of answer) found.add(key);
    }
    return found;
  }
}
