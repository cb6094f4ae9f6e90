import { Init1764000000000 } from './1764000000000-Init.js';
import { ChunkedUploadsAndListing1764000000100 } from './1764000000100-ChunkedUploadsAndListing.js';
import { AccessControl1764000000300 } from './1764000000300-AccessControl.js';
import { FilenameStatistics1764000000400 } from './1764000000400-FilenameStatistics.js';
import { IdentityHardening1765100000000 } from './1765100000000-IdentityHardening.js';
import { QuotasAndSweeper1765400000000 } from './1765400000000-QuotasAndSweeper.js';
import { TusUploads1765600000000 } from './1765600000000-TusUploads.js';
import { UploadSessionsPerUser1766100000000 } from './1766100000000-UploadSessionsPerUser.js';
import { AuditAndWebhooks1766300000000 } from './1766300000000-AuditAndWebhooks.js';
import { Sessions1766400000000 } from './1766400000000-Sessions.js';

/** Every migration, oldest first. Listed explicitly: globs do not load reliably from ES modules. */
export const MIGRATIONS = [
  Init1764000000000,
  ChunkedUploadsAndListing1764000000100,
  AccessControl1764000000300,
  FilenameStatistics1764000000400,
  IdentityHardening1765100000000,
  QuotasAndSweeper1765400000000,
  TusUploads1765600000000,
  UploadSessionsPerUser1766100000000,
  AuditAndWebhooks1766300000000,
  Sessions1766400000000,
];
