import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';

/** The filestore's error body for the rest: `{error}` (401, 403, 404, 412, 500, 503, 507). */
export class HasuraErrorDto {
  @ApiProperty({ example: "File 'abc' was not found." }) error: string;
  @ApiProperty({ example: 'FILE_NOT_FOUND', description: 'Stable, machine-readable error code (an addition to the contract)' })
  code: string;
}

/** The filestore's error body for a bad request: `{path, error}` (400, 409, 413, 415, 416). */
export class HasuraRequestErrorDto extends HasuraErrorDto {
  @ApiProperty({ example: '$', description: 'Where in the request the problem is; always `$` (the request as a whole)' }) path: string;
}

// Same split as the global filter's (src/common/errors/error-body.ts).
const REQUEST_ERRORS = new Set([400, 409, 413, 415, 416]);

const WHEN: Record<number, string> = {
  400: 'An invalid file id (1-128 of A-Z a-z 0-9 . _ -, starting with a letter or digit) or a malformed header',
  401: 'No valid credentials: no token (and no trusted X-Hasura-User-Id), or an invalid one',
  403: "The caller's role or the file's owner does not allow this",
  404: 'No file with this id',
  409: 'A file with this id already exists; the stored file is untouched',
  412: 'If-Match or If-Unmodified-Since failed',
  413: 'The body is larger than MAX_UPLOAD_BYTES',
  415: 'A form body (multipart/form-data, x-www-form-urlencoded): send the raw bytes',
  416: 'No requested range lies inside the file; Content-Range: bytes */size',
  500: 'An unexpected failure (details are logged, not returned)',
  507: "The storage is full (STORAGE_FULL), or the file would pass the caller's quota (QUOTA_EXCEEDED)",
};

/** Documents the error answers of a /v1/file route in the filestore's shapes. */
export function ApiHasuraErrors(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(HasuraErrorDto, HasuraRequestErrorDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: WHEN[status] ?? STATUS_CODES[status],
        content: {
          'application/json': { schema: { $ref: getSchemaPath(REQUEST_ERRORS.has(status) ? HasuraRequestErrorDto : HasuraErrorDto) } },
        },
      }),
    ),
  );
}
