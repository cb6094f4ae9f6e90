/** Parsing of the headers that describe an uploaded body. Pure functions, unit-tested. */

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
export const DEFAULT_FILENAME = 'unknown';
const MAX_FILENAME_LENGTH = 1024;
// PostgreSQL refuses btree index entries over 2,704 bytes (file_meta_owner_filename_idx): 1,024 CJK characters are
// 3,072 bytes of UTF-8, and were a 500.
const MAX_FILENAME_BYTES = 2048;

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
  return [essence.trim().toLowerCase(), ...params.map((p) => p.trim())].join('; ');
}

/**
 * A filename as sent in a header: percent-encoded UTF-8 is decoded, raw UTF-8 (which Node reads as latin1) is
 * restored, control characters (CR, LF, NUL, ...) are dropped. The name is data, never a path.
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
  return sanitizeFilename(name);
}

export function sanitizeFilename(name: string): string {
  const clean = name
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim();
  return clean === '' ? DEFAULT_FILENAME : withinBytes(clean.slice(0, MAX_FILENAME_LENGTH), MAX_FILENAME_BYTES);
}

/** The longest prefix of whole characters whose UTF-8 fits in `max` bytes. */
function withinBytes(name: string, max: number): string {
  if (Buffer.byteLength(name) <= max) return name;
  let bytes = 0;
  let end = 0;
  for (const char of name) {
    bytes += Buffer.byteLength(char);
    if (bytes > max) break;
    end += char.length;
  }
  return name.slice(0, end);
}

/** Content-Length as a number, or undefined when absent (chunked bodies); NaN when it is garbage. */
export function parseContentLength(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  return /^\d{1,16}$/.test(header.trim()) ? Number(header.trim()) : Number.NaN;
}
