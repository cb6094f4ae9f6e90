import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../../users/user.entity.js';

export enum GrantPermission {
  Read = 'READ',
  /** Implies READ. */
  Write = 'WRITE',
}

/** Access to one file for one user, or for every user holding a role. Exactly one of `userId` / `role` is set. */
@Entity({ name: 'file_grants' })
export class FileGrant {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'file_id', type: 'varchar', length: 128 })
  fileId: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  /** The grantee, when the grant is to a user (loaded for responses). */
  @ManyToOne(() => User, { nullable: true, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  role: string | null;

  @Column({ type: 'varchar', length: 5 })
  permission: GrantPermission;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
