import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';

/** Appmixer runs on hapi: its errors are Boom bodies (rendered by the global filter for /files paths). */
export class AppmixerErrorDto {
  @ApiProperty({ example: 404 }) statusCode: number;
  @ApiProperty({ example: 'Not Found' }) error: string;
  @ApiProperty({ example: "File 'abc' was not found." }) message: string;
  @ApiProperty({ example: 'FILE_NOT_FOUND', description: 'Stable, machine-readable error code (an addition to the contract)' })
  code: string;
}

const WHEN: Record<number, string> = {
  400: 'A malformed value: filter, sort, projection, limit/offset, an uploader-* header, or the multipart body',
  401: 'No valid credentials',
  403: 'The caller lacks the permission (READ to list, WRITE to upload or delete) or may not touch this file',
  404: 'No such file',
  409: 'A resent chunk with different bytes, a chunk for an upload already being assembled, or an id already complete',
  413: 'The file (all chunks together) is larger than MAX_UPLOAD_BYTES',
  415: 'Not multipart/form-data',
  429: 'The caller already has UPLOAD_SESSIONS_PER_USER unfinished uploads open',
  503: 'The database or storage is unavailable; retry later',
  507: "The storage is full (STORAGE_FULL), or the file would pass the caller's quota (QUOTA_EXCEEDED)",
};

/** Documents the error answers of a /files route in Boom's shape. */
export function ApiAppmixerErrors(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(AppmixerErrorDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: WHEN[status] ?? STATUS_CODES[status],
        content: { 'application/json': { schema: { $ref: getSchemaPath(AppmixerErrorDto) } } },
      }),
    ),
  );
}
