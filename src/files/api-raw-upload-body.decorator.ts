import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes } from '@nestjs/swagger';

/**
 * Media types a raw upload offers in the document. Swagger UI sends the one picked as the request's Content-Type,
 * which is what the file is stored as: a real list, so that a text file can be stored as text/plain (any other
 * type is accepted too; `*` / `*` is left out, as it would be stored literally).
 */
export const RAW_UPLOAD_MEDIA_TYPES = [
  'application/octet-stream',
  'text/plain',
  'text/csv',
  'text/markdown',
  'application/json',
  'application/pdf',
  'application/zip',
  'image/png',
  'image/jpeg',
] as const;

/** The body of a route whose raw body is the file itself (not a form). */
export function ApiRawUploadBody(description: string) {
  return applyDecorators(
    ApiConsumes(...RAW_UPLOAD_MEDIA_TYPES),
    ApiBody({ schema: { type: 'string', format: 'binary' }, description, required: true }),
  );
}
