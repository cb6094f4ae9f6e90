/** Parsing of the headers that describe an uploaded body. Pure functions, unit-tested. */
import { badRequest } from '../common/errors/domain-error.js';

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
export const DEFAULT_FILENAME = 'unknown';
/**
 * Characters (code points) in a stored filename; longer is a 400 on every upload route. At most 4 bytes of UTF-8
 * each, so a name stays far below PostgreSQL's btree entry limit (file_meta_owner_filename_idx) without a byte cap.
 */
export const MAX_FILENAME_CHARACTERS = 255;

// RFC 9110 media type: token "/" token, then parameters.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=("[^"\\\\]*"|${TOKEN}))*$`);

/** Form encodings are not file bodies: the native upload refuses them (415). */
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);

export function mediaTypeEssence(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

export function isFormContentType(header: string | undefined): boolean {
  return header !== undefined && FORM_TYPES.has(mediaTypeEssence(header));
}

/** The Content-Type to store: the header if it is a valid media type (e.g. not the `None` some scripts send). */
export function normalizeContentType(header: string | undefined): string {
  const value = header?.trim();
  if (!value || value.length > 255 || !MEDIA_TYPE.test(value)) return DEFAULT_CONTENT_TYPE;
  const [essence, ...params] = value.split(';');
  // `*/*` or `image/*` is an Accept pattern (Swagger UI sends it), not a type: nothing is known about the bytes.
  if (essence.includes('*')) return DEFAULT_CONTENT_TYPE;
  return [essence.trim().toLowerCase(), ...params.map((p) => p.trim())].join('; ');
}

/**
 * A filename as sent in a header: percent-encoded UTF-8 is decoded, raw UTF-8 (which Node reads as latin1) is
 * restored, control characters (CR, LF, NUL, ...) are dropped. The name is data, never a path. Over
 * MAX_FILENAME_CHARACTERS: a 400.
 */
export function decodeFilename(header: string | undefined): string {
  if (header === undefined) return DEFAULT_FILENAME;
  let name = header;
  if (/[\u0080-\u00ff]/.test(name)) {
    const bytes = Buffer.from(name, 'latin1');
    const utf8 = bytes.toString('utf8');
    if (!utf8.includes('\ufffd')) name = utf8;
  }
  if (/%[0-9A-Fa-f]{2}/.test(name)) {
    try {
      name = decodeURIComponent(name);
    } catch {
      // Not valid percent-encoding: keep it as typed.
    }
  }
  return uploadFilename(name);
}

/** The name an upload is stored under (from a header, a multipart part or tus metadata): cleaned, and 400 when too long. */
export function uploadFilename(name: string): string {
  const clean = cleanFilename(name);
  const length = [...clean].length;
  if (length > MAX_FILENAME_CHARACTERS)
    throw badRequest(`The filename is ${length} characters long; at most ${MAX_FILENAME_CHARACTERS} are allowed.`);
  return clean;
}

/** A stored name made safe to show (downloads): cleaned, and cut to MAX_FILENAME_CHARACTERS whole characters. */
export function sanitizeFilename(name: string): string {
  return [...cleanFilename(name)].slice(0, MAX_FILENAME_CHARACTERS).join('');
}

function cleanFilename(name: string): string {
  const clean = name
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim();
  return clean === '' ? DEFAULT_FILENAME : clean;
}

/** Content-Length as a number, or undefined when absent (chunked bodies); NaN when it is garbage. */
export function parseContentLength(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  return /^\d{1,16}$/.test(header.trim()) ? Number(header.trim()) : Number.NaN;
}
