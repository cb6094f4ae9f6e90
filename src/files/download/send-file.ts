import { create as contentDisposition } from 'content-disposition';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { FileMeta } from '../file-meta.entity.js';
import { FilesService } from '../files.service.js';

/** Headers every file response carries, whatever the API: the bytes are never interpreted by the browser. */
export function setSafeServingHeaders(res: Response, file: FileMeta): void {
  res.setHeader('Content-Type', file.contentType);
  // RFC 6266: an ASCII fallback plus filename*=UTF-8''; the filename can never inject a header (CR/LF are
  // stripped on upload and encoded here).
  res.setHeader('Content-Disposition', contentDisposition(file.filename, { type: 'attachment' }));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
  res.setHeader('ETag', `"${file.sha256}"`);
  res.setHeader('Last-Modified', file.createdAt.toUTCString());
  res.setHeader('Cache-Control', 'private');
}

/** Streams a file the caller may read (permission checked by the caller of this). The one download path. */
export async function sendFile(req: Request, res: Response, files: FilesService, file: FileMeta): Promise<void> {
  const content = await files.openContent(file);
  setSafeServingHeaders(res, file);
  res.setHeader('Content-Length', String(file.size));
  res.status(200);
  if (req.method === 'HEAD') {
    content.destroy();
    res.end();
    return;
  }
  await pipeline(content, res).catch((error: NodeJS.ErrnoException) => {
    // The client went away mid-download: nothing to answer, nothing to log as a failure of ours.
    if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  });
}
