import { createServer, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** s3rver's fixed credentials (it checks signatures against them). */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The S3_* variables that point Stowage at this server. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * An S3-compatible server for tests: s3rver on 127.0.0.1, a free port, a fresh temp directory and one bucket.
 *
 * s3rver implements multipart uploads but not AbortMultipartUpload, ListMultipartUploads nor ListParts. They are
 * added here on top of its filesystem store (parts live in `<dir>/<bucket>/._S3rver_uploads/<uploadId>/<n>`, with
 * `<n>.md5`), so the tests exercise the real abort path, can check that no parts remain, and @tus/s3-store can resume
 * an upload (it finds the offset by listing the parts). Everything else is s3rver's own.
 */
export async function startS3Server(bucket = 'stowage-test'): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'stowage-s3rver-'));
  const s3rver = new S3rver({ silent: true, directory, configureBuckets: [{ name: bucket }] });
  await s3rver.configureBuckets();
  const s3 = s3rver.callback();
  const uploadsDir = (name: string) => join(directory, name, '._S3rver_uploads');

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const [, name] = url.pathname.split('/');
    // An extension that fails answers 500 (as S3 would) rather than leaving the client waiting.
    const answer = (work: Promise<void>) =>
      void work.catch((error: Error) =>
        sendXml(res, 500, `<Error><Code>InternalError</Code><Message>${escapeXml(error.message)}</Message></Error>`),
      );
    if (req.method === 'DELETE' && url.searchParams.has('uploadId')) {
      answer(abortUpload(uploadsDir(name), url.searchParams.get('uploadId')!, res));
    } else if (req.method === 'GET' && url.searchParams.has('uploads') && url.pathname.split('/').filter(Boolean).length === 1) {
      answer(listUploads(uploadsDir(name), name, res));
    } else if (req.method === 'GET' && url.searchParams.has('uploadId')) {
      answer(listParts(uploadsDir(name), url.searchParams.get('uploadId')!, res));
    } else {
      s3(req, res);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    bucket,
    ...CREDENTIALS,
    env: {
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    },
    async close() {
      await closeServer(server);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

async function abortUpload(dir: string, uploadId: string, res: ServerResponse): Promise<void> {
  if (!/^[a-f0-9]+$/.test(uploadId)) return sendXml(res, 404, '<Error><Code>NoSuchUpload</Code></Error>');
  const path = join(dir, uploadId);
  const existed = await readdir(path).then(
    () => true,
    () => false,
  );
  // A part still arriving may add a file while the folder is removed (S3 too may keep such a part): retry.
  await rm(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  if (!existed) return sendXml(res, 404, '<Error><Code>NoSuchUpload</Code><Message>No such upload</Message></Error>');
  res.writeHead(204).end();
}

async function listUploads(dir: string, bucket: string, res: ServerResponse): Promise<void> {
  const ids = await readdir(dir).catch(() => [] as string[]);
  const uploads = await Promise.all(
    ids.map(async (id) => {
      const key = await readFile(join(dir, id, 'key'), 'utf8').catch(() => '');
      return `<Upload><Key>${escapeXml(key)}</Key><UploadId>${id}</UploadId></Upload>`;
    }),
  );
  sendXml(
    res,
    200,
    `<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${escapeXml(bucket)}</Bucket>` +
      `<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`,
  );
}

async function listParts(dir: string, uploadId: string, res: ServerResponse): Promise<void> {
  const path = join(dir, uploadId);
  const names = /^[a-f0-9]+$/.test(uploadId) ? await readdir(path).catch(() => undefined) : undefined;
  if (!names) return sendXml(res, 404, '<Error><Code>NoSuchUpload</Code><Message>No such upload</Message></Error>');
  const numbers = names
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
  const parts = await Promise.all(
    numbers.map(async (n) => {
      // A part whose .md5 is not written yet is still arriving: S3 lists only stored parts.
      const md5 = await readFile(join(path, `${n}.md5`), 'utf8').catch(() => undefined);
      if (md5 === undefined) return '';
      const { size, mtime } = await stat(join(path, String(n)));
      return `<Part><PartNumber>${n}</PartNumber><LastModified>${mtime.toISOString()}</LastModified><ETag>"${md5}"</ETag><Size>${size}</Size></Part>`;
    }),
  );
  const key = await readFile(join(path, 'key'), 'utf8').catch(() => '');
  sendXml(
    res,
    200,
    `<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId>` +
      `<MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`,
  );
}

function sendXml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
