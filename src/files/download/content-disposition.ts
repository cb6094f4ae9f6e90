import { create as formatContentDisposition } from 'content-disposition';
import { badRequest } from '../../common/errors/domain-error.js';
import { mediaTypeEssence, sanitizeFilename } from '../upload-headers.js';

/** What the caller asked for with `?disposition=` and `?download=`, already validated. */
export interface DownloadOptions {
  disposition?: 'inline' | 'attachment';
  /** The name to save the file under instead of the stored one. */
  downloadName?: string;
}

const MAX_DOWNLOAD_NAME_LENGTH = 255;

/** Validates the query parameters of a download; anything odd is a 400, never silently used. */
export function parseDownloadOptions(query: { disposition?: unknown; download?: unknown }): DownloadOptions {
  const options: DownloadOptions = {};
  if (query.disposition !== undefined) {
    if (query.disposition !== 'inline' && query.disposition !== 'attachment') {
      throw badRequest(`disposition must be 'inline' or 'attachment'.`);
    }
    options.disposition = query.disposition;
  }
  if (query.download !== undefined) options.downloadName = validDownloadName(query.download);
  return options;
}

function validDownloadName(value: unknown): string {
  if (typeof value !== 'string') throw badRequest('download must be given once, as a filename.');
  const name = value.trim();
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f/\\]/.test(name)) throw badRequest('download must be a plain filename: no control characters, / or \\.');
  if (name === '' || name === '.' || name === '..' || name.length > MAX_DOWNLOAD_NAME_LENGTH) {
    throw badRequest(`download must be a filename of 1-${MAX_DOWNLOAD_NAME_LENGTH} characters.`);
  }
  return name.normalize('NFC');
}

/**
 * Whether a media type may be shown by the browser. Only passive types: raster images, PDF, plain text, audio,
 * video. HTML, SVG, XML, JavaScript and anything unknown are always downloaded.
 */
export function isSafeInline(contentType: string): boolean {
  const type = mediaTypeEssence(contentType);
  if (type.endsWith('+xml') || type.endsWith('/xml')) return false;
  return (
    type.startsWith('image/') ||
    type.startsWith('audio/') ||
    type.startsWith('video/') ||
    type === 'application/pdf' ||
    type === 'text/plain'
  );
}

/**
 * The Content-Disposition of a file response (RFC 6266): `attachment` unless `inline` was asked for a safe type;
 * an ASCII `filename` fallback plus `filename*=UTF-8''…` when the name is not plain ASCII. Control characters were
 * dropped on upload and are dropped again here, so CR/LF/NUL can never reach the header.
 */
export function contentDispositionFor(file: { filename: string; contentType: string }, options: DownloadOptions = {}): string {
  const type = options.disposition === 'inline' && isSafeInline(file.contentType) ? 'inline' : 'attachment';
  const name = sanitizeFilename(options.downloadName ?? file.filename);
  return formatContentDisposition(name, { type, fallback: asciiFallback(name) });
}

/** Accents stripped, every other non-printable-ASCII or quoting-prone character replaced by `_`. */
export function asciiFallback(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]|["\\%]/g, '_');
}
