import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';

/** The native API's error body: RFC 9457 problem details plus MOLGENIS' `errors[]`. */
export class ProblemDto {
  @ApiProperty({ example: 'about:blank' }) type: string;
  @ApiProperty({ example: 'Not Found' }) title: string;
  @ApiProperty({ example: 404 }) status: number;
  @ApiProperty({ example: "File 'abc' was not found." }) detail: string;
  @ApiProperty({ example: 'FILE_NOT_FOUND', description: 'Stable, machine-readable error code' }) code: string;
  @ApiProperty({ example: '/api/files/abc' }) instance: string;
  @ApiPropertyOptional() requestId?: string;
  @ApiProperty({ example: [{ code: 'FILE_NOT_FOUND', message: "File 'abc' was not found." }] })
  errors: { code: string; message: string }[];
}

const WHEN: Record<number, string> = {
  400: 'The request is malformed or a value is invalid',
  401: 'No valid credentials (see WWW-Authenticate)',
  403: 'The caller lacks the permission this needs',
  404: 'No such resource',
  409: 'Conflicts with what is stored',
  412: 'A precondition (If-Match, If-Unmodified-Since) failed',
  413: 'The body is larger than MAX_UPLOAD_BYTES',
  415: 'This media type is not accepted here',
  416: 'The requested range lies outside the file',
  429: 'Too many requests, or too many failed logins: wait Retry-After seconds',
  500: "STORAGE_INCONSISTENT: the file's bytes are missing from storage (an operator's problem, logged), or a bug",
  503: 'The database or storage is unavailable, or the service is too busy; retry after Retry-After',
  507: "The storage is full (STORAGE_FULL), or the upload would pass the caller's quota (QUOTA_EXCEEDED)",
};

/** Documents the error answers of a route (default: the native problem+json shape). */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: WHEN[status] ?? STATUS_CODES[status],
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } },
      }),
    ),
  );
}
