import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { ApiDialect } from '../../common/errors/api-dialect.js';
import { ApiErrors } from '../../common/openapi/api-errors.decorator.js';

const HEADERS_OF_A_FILE = {
  ETag: { description: 'Strong: the quoted SHA-256 of the content', schema: { type: 'string' } },
  'Last-Modified': { description: 'When the file was stored', schema: { type: 'string' } },
  'Accept-Ranges': { description: 'Always `bytes`', schema: { type: 'string' } },
  'Content-Disposition': {
    description: 'attachment (or inline for safe types when asked), with an RFC 6266 filename',
    schema: { type: 'string' },
  },
  'Cache-Control': { description: 'CACHE_CONTROL, default `private`', schema: { type: 'string' } },
};

/** A download: the stored bytes, under whatever media type the file was stored with. */
export const FILE_CONTENT = { '*/*': { schema: { type: 'string', format: 'binary' } } };

/**
 * OpenAPI for a route that streams a file through `sendFile`: the query parameters and request headers it honours
 * and the 206/304/412/416 answers (the errors in `dialect`'s shape). Put it on every download route of every dialect.
 */
export function ApiDownload(dialect: ApiDialect) {
  return applyDecorators(
    ApiQuery({
      name: 'disposition',
      required: false,
      enum: ['attachment', 'inline'],
      description:
        '`inline` shows the file in the browser, only for raster images, PDF, text/plain, audio and video; other types stay attachments',
    }),
    ApiQuery({
      name: 'download',
      required: false,
      type: String,
      description: 'Save under this name instead (1-255 characters, no control characters, / or \\)',
    }),
    ApiHeader({
      name: 'Range',
      required: false,
      description: 'One byte range, e.g. `bytes=0-1023`, `bytes=1024-` or `bytes=-500`. Several disjoint ranges get the whole file (200).',
    }),
    ApiHeader({
      name: 'If-Range',
      required: false,
      description: 'An ETag or Last-Modified date: the Range applies only if it still matches, else the whole file comes back',
    }),
    ApiHeader({ name: 'If-None-Match', required: false, description: 'ETags (weak comparison) or `*`: 304 when one matches' }),
    ApiHeader({
      name: 'If-Modified-Since',
      required: false,
      description: 'HTTP date: 304 when the file is not newer (ignored with If-None-Match)',
    }),
    ApiHeader({ name: 'If-Match', required: false, description: 'ETags (strong comparison) or `*`: 412 when none matches' }),
    ApiHeader({
      name: 'If-Unmodified-Since',
      required: false,
      description: 'HTTP date: 412 when the file is newer (ignored with If-Match)',
    }),
    ApiResponse({
      status: 206,
      description: 'One byte range of the file, described by Content-Range',
      headers: { 'Content-Range': { description: 'bytes first-last/size', schema: { type: 'string' } }, ...HEADERS_OF_A_FILE },
      content: FILE_CONTENT,
    }),
    ApiResponse({ status: 304, description: 'Not modified: the cached copy (If-None-Match / If-Modified-Since) is current; no body' }),
    ApiErrors(dialect, [412, 416]),
  );
}
