import { Metadata } from '@tus/server';
import { DEFAULT_FILENAME, normalizeContentType, uploadFilename } from '../upload-headers.js';

/**
 * The file's name and type from Upload-Metadata (base64 values, decoded by tus' parser): `filename`, and `filetype`
 * (tus-js-client, Uppy) or `contentType`, judged as every other upload's are. Undefined when the header is not valid
 * tus metadata: tus itself then answers 400. A filename over MAX_FILENAME_CHARACTERS throws a 400 of ours.
 */
export function describeUpload(header: string | undefined): { filename: string; contentType: string } | undefined {
  let metadata: Record<string, string | null>;
  try {
    metadata = header === undefined ? {} : Metadata.parse(header);
  } catch {
    return undefined;
  }
  return {
    filename: uploadFilename(metadata.filename ?? DEFAULT_FILENAME),
    contentType: normalizeContentType(metadata.filetype ?? metadata.contentType ?? undefined),
  };
}

/** Upload-Length as a number, when it is the non-negative integer tus requires; undefined otherwise (tus answers 400). */
export function parseUploadLength(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,16}$/.test(header)) return undefined;
  return Number(header);
}
