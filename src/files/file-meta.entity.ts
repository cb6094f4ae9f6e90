import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** One stored, complete file. A row exists only once its bytes are durably in storage. */
@Entity({ name: 'file_meta' })
@Index('file_meta_owner_created_idx', ['ownerId', 'createdAt'])
export class FileMeta {
  /** Server-made (26 base32 chars, 130 random bits) or client-chosen through the Hasura API. */
  @PrimaryColumn({ type: 'varchar', length: 128 })
  id: string;

  @Column({ type: 'text' })
  filename: string;

  @Column({ name: 'content_type', type: 'varchar', length: 255 })
  contentType: string;

  /** bigint comes back from pg as a string; the transformer keeps it a number (safe up to 8 PiB). */
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  size: number;

  @Column({ type: 'char', length: 64 })
  sha256: string;

  @Column({ type: 'char', length: 32 })
  md5: string;

  /** Where the bytes live in the storage provider; server-made, never derived from user input. */
  @Column({ name: 'storage_key', type: 'varchar', length: 255, unique: true })
  storageKey: string;

  /** Null once the owner's account is deleted: the file stays, admins manage it. */
  @Column({ name: 'owner_id', type: 'uuid', nullable: true })
  ownerId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
