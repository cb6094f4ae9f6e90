import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { TestApp } from './test-app.js';

/** A multipart POST /files, the way Appmixer clients send it. */
export function postFile(
  t: TestApp,
  token: string,
  content: Buffer | string,
  headers: Record<string, string | number> = {},
  filename = 'part.bin',
) {
  const req = t.http().post('/files').set('Authorization', `Bearer ${token}`);
  for (const [name, value] of Object.entries(headers)) req.set(name, String(value));
  return req.attach('file', Buffer.isBuffer(content) ? content : Buffer.from(content), filename);
}

/** Every object under the local storage root; null when the test runs against another storage driver. */
export async function storedObjectCount(t: TestApp): Promise<number | null> {
  if (t.config.storage.driver !== 'local') return null;
  let count = 0;
  async function walk(dir: string) {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
      else count++;
    }
  }
  await walk(join(t.config.dataDir, 'files', 'objects'));
  return count;
}

/** Rows of the upload state tables (to prove what was kept or removed). */
export async function uploadRows(t: TestApp): Promise<{ sessions: number; chunks: number }> {
  const db = t.app.get(DataSource);
  const [[sessions], [chunks]] = await Promise.all([
    db.query('SELECT count(*)::int AS n FROM upload_sessions'),
    db.query('SELECT count(*)::int AS n FROM upload_chunks'),
  ]);
  return { sessions: sessions.n, chunks: chunks.n };
}
