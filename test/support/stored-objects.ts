import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from '../../src/config/app-config.js';
import { createS3Client } from '../../src/storage/s3/s3-storage.provider.js';

/**
 * What the app's storage holds, looked at from outside the app, whichever driver it runs on: e2e specs use these
 * to check that bytes are gone after a delete, a refused upload or a client abort.
 */

/** Every file under `dir` (none when it does not exist). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Keys (S3) or paths (local) of every complete object, sorted. */
export async function storedObjects(config: AppConfig): Promise<string[]> {
  if (config.storage.driver === 'local') return (await filesUnder(join(config.dataDir, 'files', 'objects'))).sort();
  const client = createS3Client(config.storage.s3!);
  try {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: config.storage.s3!.bucket, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    return keys.sort();
  } finally {
    client.destroy();
  }
}

/** Writes in progress or left behind by a failed one: temp files (local) or open multipart uploads (S3). */
export async function partialUploads(config: AppConfig): Promise<string[]> {
  if (config.storage.driver === 'local') return filesUnder(join(config.dataDir, 'files', 'tmp'));
  const client = createS3Client(config.storage.s3!);
  try {
    const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: config.storage.s3!.bucket }));
    return (listed.Uploads ?? []).map((u) => `${u.Key} (upload ${u.UploadId})`);
  } finally {
    client.destroy();
  }
}
