import { HeadObjectCommand, ListPartsCommand } from '@aws-sdk/client-s3';
import type { INestApplication } from '@nestjs/common';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../src/config/app-config.js';
import { LOCK_NAMESPACE } from '../../src/files/tus/pg-advisory-locker.js';
import { createS3Client } from '../../src/storage/s3/s3-storage.provider.js';
import { partialUploads, storedObjects } from './stored-objects.js';

/**
 * What the tus store holds for uploads in progress, looked at from outside the app on either driver: local files
 * under DATA_DIR/files/tus, or on S3 the multipart uploads and the store's `.info` / `.part` objects.
 */

/** Bytes of upload `id` the store has durably (local: the file's size; S3: its listed parts and its short tail part). */
export async function tusBytesStored(config: AppConfig, id: string): Promise<number> {
  if (config.storage.driver === 'local') {
    return (await stat(join(config.dataDir, 'files', 'tus', id)).catch(() => ({ size: 0 }))).size;
  }
  const client = createS3Client(config.storage.s3!);
  const Bucket = config.storage.s3!.bucket;
  try {
    const uploads = await partialUploads(config);
    const uploadId = uploads.find((u) => u.startsWith(`${id} `))?.match(/\(upload (.+)\)$/)?.[1];
    let bytes = 0;
    if (uploadId) {
      const parts = await client.send(new ListPartsCommand({ Bucket, Key: id, UploadId: uploadId }));
      bytes += (parts.Parts ?? []).reduce((sum, part) => sum + (part.Size ?? 0), 0);
    }
    const tail = await client.send(new HeadObjectCommand({ Bucket, Key: `${id}.part` })).catch(() => undefined);
    return bytes + (tail?.ContentLength ?? 0);
  } finally {
    client.destroy();
  }
}

/**
 * What the tus store keeps for unfinished uploads (for upload `id` only, when given): empty once the upload is
 * finished, terminated or swept.
 */
export async function tusLeftovers(config: AppConfig, id?: string): Promise<string[]> {
  let found: string[];
  if (config.storage.driver === 'local') {
    const dir = join(config.dataDir, 'files', 'tus');
    found = (await readdir(dir).catch(() => [] as string[])).map((name) => join(dir, name));
  } else {
    const objects = (await storedObjects(config)).filter((key) => key.endsWith('.info') || key.endsWith('.part'));
    found = [...objects, ...(await partialUploads(config))];
  }
  return id === undefined ? found : found.filter((item) => item.includes(id));
}

/** Whether some request holds upload `id`'s lock (an attempt on a transaction lock, released at once if it succeeds). */
export async function tusUploadLocked(app: INestApplication, id: string): Promise<boolean> {
  const rows: { free: boolean }[] = await app
    .get(DataSource)
    .query('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS free', [LOCK_NAMESPACE, id]);
  return !rows[0].free;
}

/** Polls `probe` until it answers true, or fails after `timeoutMs`. */
export async function waitFor(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
