import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { Principal } from '../../auth/principal.js';
import type { ByteRange } from '../../storage/storage-provider.js';
import { FileMeta } from '../file-meta.entity.js';
import { FilesService } from '../files.service.js';
import { contentDispositionFor, DownloadOptions, parseDownloadOptions } from './content-disposition.js';
import { evaluatePreconditions, rangeStillValid, Validators, validatorsOf } from './preconditions.js';
import { contentRange, decideRange } from './range.js';

/** Headers every file response carries, whatever the API: the bytes are never interpreted by the browser. */
export function setSafeServingHeaders(res: Response, file: FileMeta, options: DownloadOptions = {}): void {
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Content-Disposition', contentDispositionFor(file, options));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
}

/** The validators and caching headers: sent on 200, 206 and 304 alike. */
function setCachingHeaders(res: Response, validators: Validators, cacheControl: string): void {
  res.setHeader('ETag', validators.etag);
  res.setHeader('Last-Modified', validators.lastModified.toUTCString());
  res.setHeader('Cache-Control', cacheControl);
}

/**
 * Answers GET or HEAD for a file the caller may read (permission checked by the caller of this). The one download
 * path of every API dialect: a redirect to the object store when presigned downloads are on, else preconditions
 * (412/304), Range (206/416), safe-serving headers, then the bytes.
 * `options` defaults to the request's `?disposition=` and `?download=`. HEAD gets the same status and headers
 * and no body. Every decision is made before the first header is set, so an error answer carries none of them.
 */
export async function sendFile(
  req: Request,
  res: Response,
  files: FilesService,
  file: FileMeta,
  options: DownloadOptions = parseDownloadOptions(req.query ?? {}),
): Promise<void> {
  if (req.method === 'GET') {
    // STORAGE_PRESIGNED_DOWNLOADS: the object store serves the bytes (and Range, conditionals) itself.
    const url = await files.presignedDownloadUrl(file, contentDispositionFor(file, options));
    if (url) {
      files.recordDownload(req.user as Principal | undefined, file);
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(302, url);
      return;
    }
  }
  const validators = validatorsOf(file);
  if (evaluatePreconditions(req.headers, validators) === 'not-modified') {
    setCachingHeaders(res, validators, files.downloadCacheControl);
    res.status(304).end();
    return;
  }
  const range = rangeStillValid(req.get('if-range'), validators) ? decideRange(req.headers.range, file.size) : undefined;
  const slice: ByteRange | undefined = range?.kind === 'partial' ? range.range : undefined;
  const content = await files.openContent(file, slice);

  setSafeServingHeaders(res, file, options);
  setCachingHeaders(res, validators, files.downloadCacheControl);
  res.setHeader('Accept-Ranges', 'bytes');
  if (slice) {
    res.status(206).setHeader('Content-Range', contentRange(slice, file.size));
    res.setHeader('Content-Length', String(slice.end - slice.start + 1));
  } else {
    res.status(200).setHeader('Content-Length', String(file.size));
  }
  if (req.method === 'HEAD') {
    // Opened anyway, so a missing object answers HEAD the way it answers GET.
    content.destroy();
    res.end();
    return;
  }
  files.recordDownload(req.user as Principal | undefined, file);
  const sent = pipeline(content, res);
  files.meterDownload(content);
  await sent.catch((error: NodeJS.ErrnoException) => {
    // The client went away mid-download: nothing to answer, nothing to log as a failure of ours.
    if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  });
}
