import { DataSource } from 'typeorm';
import { auth } from './http.js';
import { TestApp } from './test-app.js';

/** A multipart POST /files, the way Appmixer clients send it. */
export function postFile(
  t: TestApp,
  token: string,
  content: Buffer | string,
  headers: Record<string, string | number> = {},
  filename = 'part.bin',
) {
  const req = t.http().post('/files').set(auth(token));
  for (const [name, value] of Object.entries(headers)) req.set(name, String(value));
  return req.attach('file', Buffer.isBuffer(content) ? content : Buffer.from(content), filename);
}

/** Rows of the upload state tables (to prove what was kept or removed); a completed upload's session is not counted. */
export async function uploadRows(t: TestApp): Promise<{ sessions: number; chunks: number }> {
  const db = t.app.get(DataSource);
  const [[sessions], [chunks]] = await Promise.all([
    db.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM upload_sessions WHERE state <> 'complete'`),
    db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM upload_chunks'),
  ]);
  return { sessions: sessions.n, chunks: chunks.n };
}
