import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { preparedQuery } from '../../database/prepared-query.js';

export interface Usage {
  bytes: number;
  files: number;
}

/** A user's stored bytes and files, as the file_meta triggers keep them in user_usage (see the QuotasAndSweeper migration). */
@Injectable()
export class UserUsageRepository {
  constructor(private readonly db: DataSource) {}

  /** One primary-key lookup, prepared: it runs before every upload of a user with a quota. */
  async of(userId: string): Promise<Usage> {
    const rows = await preparedQuery<{ bytes: string; files: string }>(
      this.db,
      'stowage_user_usage_by_id',
      'SELECT bytes, files FROM user_usage WHERE user_id = $1',
      [userId],
    );
    return rows[0] ? { bytes: Number(rows[0].bytes), files: Number(rows[0].files) } : { bytes: 0, files: 0 };
  }
}
