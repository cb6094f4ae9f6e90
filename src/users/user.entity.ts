import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, ValueTransformer } from 'typeorm';

/** bigint columns arrive as strings from pg; these hold counts far below 2^53. */
const nullableBigint: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

@Entity({ name: 'users' })
@Index('users_idp_identity_uq', ['idpIssuer', 'idpSubject'], { unique: true, where: 'idp_subject IS NOT NULL' })
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 64, unique: true })
  username: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  roles: string[];

  /** An admin's override of QUOTA_BYTES_PER_USER for this user; null: the default. */
  @Column({ name: 'quota_bytes', type: 'bigint', nullable: true, transformer: nullableBigint })
  quotaBytes: number | null;

  /** An admin's override of QUOTA_FILES_PER_USER for this user; null: the default. */
  @Column({ name: 'quota_files', type: 'bigint', nullable: true, transformer: nullableBigint })
  quotaFiles: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** With idpSubject, who this user is at the identity provider (`iss`, `sub`); NULL for local and Hasura users. */
  @Column({ name: 'idp_issuer', type: 'text', nullable: true })
  idpIssuer: string | null;

  @Column({ name: 'idp_subject', type: 'varchar', length: 255, nullable: true })
  idpSubject: string | null;

  /** When this IdP user last presented a valid IdP token (to within a minute): their API tokens depend on it. */
  @Column({ name: 'idp_last_seen_at', type: 'timestamptz', nullable: true })
  idpLastSeenAt: Date | null;
}
