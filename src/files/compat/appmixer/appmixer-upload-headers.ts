import type { Request } from 'express';
import { badRequest } from '../../../common/errors/domain-error.js';

/** The `uploader-*` headers, parsed; whether they make sense together is the service's call. */
export interface UploaderHeaders {
  uploadId?: string;
  fileName?: string;
  chunksTotal?: number;
  chunkNumber?: number;
  chunkSize?: number;
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function wholeNumber(req: Request, name: string): number | undefined {
  const value = header(req, name)?.trim();
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value)) throw badRequest(`${name} must be a whole number, not '${value}'.`);
  return Number(value);
}

export function readUploaderHeaders(req: Request): UploaderHeaders {
  const uploadId = header(req, 'uploader-file-id')?.trim();
  return {
    uploadId: uploadId === '' ? undefined : uploadId,
    fileName: header(req, 'uploader-file-name'),
    chunksTotal: wholeNumber(req, 'uploader-chunks-total'),
    chunkNumber: wholeNumber(req, 'uploader-chunk-number'),
    chunkSize: wholeNumber(req, 'uploader-chunk-size'),
  };
}
