import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { ApiDialect } from '../errors/api-dialect.js';
import { renderError } from '../errors/error-body.js';
import { ErrorCode } from '../errors/error-code.js';

/** One entry of MOLGENIS' `errors[]`. */
export class ProblemErrorDto {
  @ApiProperty() code: string;
  @ApiProperty() message: string;
}

/** The native API's error body: RFC 9457 problem details plus MOLGENIS' `errors[]`. */
export class ProblemDto {
  @ApiProperty({ example: 'about:blank' }) type: string;
  @ApiProperty({ description: 'The HTTP reason phrase of the status' }) title: string;
  @ApiProperty({ description: 'The HTTP status' }) status: number;
  @ApiProperty({ description: 'What went wrong, for people' }) detail: string;
  @ApiProperty({ enum: ErrorCode, description: 'Stable, machine-readable error code' }) code: string;
  @ApiProperty({ description: 'The request path and query' }) instance: string;
  @ApiPropertyOptional({ description: 'The X-Request-Id of the request, to find it in the logs' }) requestId?: string;
  @ApiProperty({ type: [ProblemErrorDto], description: 'One entry: the code and message again, where MOLGENIS clients look' })
  errors: ProblemErrorDto[];
}

/** Appmixer runs on hapi: its errors are Boom bodies. */
export class AppmixerErrorDto {
  @ApiProperty({ description: 'The HTTP status' }) statusCode: number;
  @ApiProperty({ description: 'The HTTP reason phrase of the status' }) error: string;
  @ApiProperty() message: string;
  @ApiProperty({ enum: ErrorCode, description: 'Stable, machine-readable error code (an addition to the contract)' }) code: string;
}

/** The filestore's error body for the rest: `{error}` (401, 403, 404, 412, 429, 500, 503, 507). */
export class HasuraErrorDto {
  @ApiProperty() error: string;
  @ApiProperty({ enum: ErrorCode, description: 'Stable, machine-readable error code (an addition to the contract)' }) code: string;
}

/** The filestore's error body for a bad request: `{path, error}` (400, 409, 413, 415, 416). */
export class HasuraRequestErrorDto extends HasuraErrorDto {
  @ApiProperty({ enum: ['$'], description: 'Where in the request the problem is; always `$` (the request as a whole)' }) path: string;
}

/** Every error body schema, for `extraModels` (the post-processors of the document refer to them too). */
export const ERROR_MODELS = [ProblemErrorDto, ProblemDto, AppmixerErrorDto, HasuraErrorDto, HasuraRequestErrorDto];

/** What an error of each status typically says; the examples are rendered by the filter's own renderer. */
const TYPICAL: Record<number, [ErrorCode, string][]> = {
  400: [[ErrorCode.ValidationFailed, 'limit must be an integer from 1 to 1000.']],
  401: [[ErrorCode.Unauthenticated, 'Missing or invalid credentials.']],
  403: [
    [ErrorCode.Forbidden, 'You lack the permission this needs.'],
    [ErrorCode.InsufficientScope, "This API token's scopes do not allow this."],
  ],
  404: [[ErrorCode.NotFound, 'No such resource.']],
  409: [[ErrorCode.Conflict, 'This conflicts with what is stored.']],
  412: [[ErrorCode.PreconditionFailed, 'If-Match did not match the current ETag.']],
  413: [[ErrorCode.PayloadTooLarge, 'The body is larger than the limit of 1073741824 bytes.']],
  415: [[ErrorCode.UnsupportedMediaType, 'This media type is not accepted here.']],
  416: [[ErrorCode.RangeNotSatisfiable, 'No requested range lies inside the file (size 1024).']],
  429: [[ErrorCode.TooManyRequests, 'Too many requests: retry after 42 seconds.']],
  500: [
    [ErrorCode.StorageInconsistent, "The file's content is missing from storage."],
    [ErrorCode.Internal, 'An unexpected error occurred.'],
  ],
  503: [
    [ErrorCode.DatabaseUnavailable, 'The database is unavailable; retry later.'],
    [ErrorCode.StorageUnavailable, 'The storage is unavailable; retry later.'],
    [ErrorCode.RateLimitStoreUnavailable, 'The rate-limit store is unavailable; retry later.'],
  ],
  507: [
    [ErrorCode.QuotaExceeded, 'This upload would pass your quota.'],
    [ErrorCode.StorageFull, 'The storage is full.'],
  ],
};

const SCHEMA: Record<ApiDialect, (status: number) => string> = {
  molgenis: () => 'ProblemDto',
  appmixer: () => 'AppmixerErrorDto',
  // Same split as the global filter's (src/common/errors/error-body.ts).
  hasura: (status) => ([400, 409, 413, 415, 416].includes(status) ? 'HasuraRequestErrorDto' : 'HasuraErrorDto'),
};

const EXAMPLE_PATH: Record<ApiDialect, string> = { molgenis: '/api/files/abc', appmixer: '/files/abc', hasura: '/v1/file/abc' };

/** The `content` of an error answer with this status, in the dialect's media type and schema, with examples of it. */
export function errorContent(dialect: ApiDialect, status: number): Record<string, object> {
  const examples = Object.fromEntries(
    (TYPICAL[status] ?? [[ErrorCode.Internal, STATUS_CODES[status] ?? 'Error']]).map(([code, message]) => {
      const rendered = renderError(dialect, { status, code, message, headers: {} }, { path: EXAMPLE_PATH[dialect] });
      return [code, { value: rendered.body }];
    }),
  );
  const type = dialect === 'molgenis' ? 'application/problem+json' : 'application/json';
  return { [type]: { schema: { $ref: `#/components/schemas/${SCHEMA[dialect](status)}` }, examples } };
}

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } } };

const WHEN: Record<number, string> = {
  400: 'The request is malformed or a value is invalid',
  401: 'No valid credentials (see WWW-Authenticate)',
  403: 'The caller lacks the permission this needs (or the API token the scope)',
  404: 'No such resource',
  409: 'Conflicts with what is stored',
  412: 'A precondition (If-Match, If-Unmodified-Since) failed',
  413: 'The body is larger than MAX_UPLOAD_BYTES',
  415: 'This media type is not accepted here',
  416: 'No requested range lies inside the file; Content-Range: bytes */size',
  429: 'Too many requests, or too many failed logins: wait Retry-After seconds',
  500: "STORAGE_INCONSISTENT: the file's bytes are missing from storage (an operator's problem, logged), or a bug",
  503: 'The database or storage is unavailable, or the service is too busy; retry after Retry-After',
  507: "The storage is full (STORAGE_FULL), or the upload would pass the caller's quota (QUOTA_EXCEEDED)",
};

/** What differs per dialect in when a status is answered. */
const WHEN_IN: Record<ApiDialect, Record<number, string>> = {
  molgenis: {},
  appmixer: {
    400: 'A malformed value: filter, sort, projection, limit/offset, an uploader-* header, or the multipart body',
    403: 'The caller lacks the permission (READ to list, WRITE to upload or delete) or may not touch this file',
    404: 'No such file',
    429: 'The caller already has UPLOAD_SESSIONS_PER_USER unfinished uploads open, or too many requests (Retry-After)',
    409: 'A resent chunk with different bytes, a chunk for an upload already being assembled, or an id already complete',
    413: 'The file (all chunks together) is larger than MAX_UPLOAD_BYTES',
    415: 'Not multipart/form-data',
  },
  hasura: {
    400: 'An invalid file id (1-128 of A-Z a-z 0-9 . _ -, starting with a letter or digit) or a malformed header',
    401: 'No valid credentials: no token (and no trusted X-Hasura-User-Id), or an invalid one',
    403: "The caller's role or the file's owner does not allow this",
    404: 'No file with this id',
    409: 'A file with this id already exists; the stored file is untouched',
    415: 'A form body (multipart/form-data, x-www-form-urlencoded): send the raw bytes',
  },
};

/** The headers an error answer of this status carries. */
function errorHeaders(status: number): Record<string, object> | undefined {
  if (status === 503) return RETRY_AFTER;
  if (status === 401) return { 'WWW-Authenticate': { description: 'Bearer challenge with the reason', schema: { type: 'string' } } };
  if (status === 416) return { 'Content-Range': { description: 'bytes */size', schema: { type: 'string' } } };
  return undefined;
}

/**
 * Documents the error answers of a route in the error shape of its dialect (problem+json on /api, Boom on /files,
 * `{path, error}` / `{error}` on /v1/file), with examples of each status. `when` overrides a status' description.
 */
export function ApiErrors(dialect: ApiDialect, statuses: number[], when: Record<number, string> = {}) {
  return applyDecorators(
    ApiExtraModels(...ERROR_MODELS),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: when[status] ?? WHEN_IN[dialect][status] ?? WHEN[status] ?? STATUS_CODES[status] ?? String(status),
        headers: errorHeaders(status),
        content: errorContent(dialect, status),
      }),
    ),
  );
}
