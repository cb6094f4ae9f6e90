import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiQuery, ApiResponse } from '@nestjs/swagger';

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

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } };

/**
 * OpenAPI for a route that streams a file through `sendFile`: the query parameters and request headers it honours
 * and the 206/304/412/416 answers. Put it on every download route of every dialect.
 */
export function ApiDownload() {
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
    }),
    ApiResponse({ status: 304, description: 'Not modified: the cached copy (If-None-Match / If-Modified-Since) is current; no body' }),
    ApiResponse({ status: 412, description: 'If-Match or If-Unmodified-Since failed', content: PROBLEM }),
    ApiResponse({
      status: 416,
      description: 'No requested range lies inside the file; Content-Range: bytes */size',
      content: PROBLEM,
      headers: { 'Content-Range': { description: 'bytes */size', schema: { type: 'string' } } },
    }),
  );
}
