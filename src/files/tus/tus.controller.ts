import { applyDecorators, Controller, Delete, Head, Options, Param, Patch, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiHeaderOptions,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiResponseOptions,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal, Public, RequirePermission } from '../../auth/decorators/auth.decorators.js';
import { Permission } from '../../permissions/permissions.js';
import { Principal } from '../../auth/principal.js';
import { ApiAuth } from '../../common/openapi/api-auth.decorator.js';
import { ApiErrors, errorContent } from '../../common/openapi/api-errors.decorator.js';
import { FILE_ID_HEADER, TusServer } from './tus-server.js';
import { TusUploadsService } from './tus-uploads.service.js';
import { RoutePrefix } from '../../common/routes.js';

type Headers = NonNullable<ApiResponseOptions['headers']>;

const TUS_RESUMABLE: ApiHeaderOptions = { name: 'Tus-Resumable', required: true, description: 'The tus version: `1.0.0`' };
const RESPONSE_TUS_RESUMABLE: Headers = { 'Tus-Resumable': { description: '`1.0.0`', schema: { type: 'string' } } };
const UPLOAD_EXPIRES: Headers = {
  'Upload-Expires': {
    description: 'While unfinished: when the upload expires (creation + UPLOAD_EXPIRY_SECONDS), RFC 9110 date',
    schema: { type: 'string' },
  },
};
const FILE_ID: Headers = {
  [FILE_ID_HEADER]: {
    description: 'Once the upload is complete: the id of the file it became (`/api/files/{id}`)',
    schema: { type: 'string' },
  },
};
const OFFSET: Headers = { 'Upload-Offset': { description: 'Bytes durably received', schema: { type: 'integer' } } };

/**
 * Error answers of a tus route: `problem` statuses come from Nest (guards, the ownership check) as problem+json,
 * `text` ones from tus as plain text; a status in both (503, say) can come either way.
 */
function ApiUploadErrors(problem: number[], text: Record<number, string>) {
  const decorators = [
    ApiErrors(
      'molgenis',
      problem.filter((status) => !(status in text)),
    ),
  ];
  for (const [key, description] of Object.entries(text)) {
    const status = Number(key);
    const content: Record<string, object> = { 'text/plain': { schema: { type: 'string' } } };
    if (problem.includes(status)) Object.assign(content, errorContent('molgenis', status));
    decorators.push(ApiResponse({ status, description, content }));
  }
  return applyDecorators(...decorators);
}

/**
 * Resumable uploads, tus 1.0 (core, creation, creation-with-upload, expiration, termination) at /api/uploads.
 * Authentication and permissions are the global guards'; the rest of the protocol is @tus/server's (TusServer).
 */
@ApiTags('uploads (tus, resumable)')
@Controller(RoutePrefix.TusUploads)
export class TusController {
  constructor(
    private readonly uploads: TusUploadsService,
    private readonly tus: TusServer,
  ) {}

  @Options()
  @Public()
  @ApiOperation({ summary: 'tus discovery: version, extensions and maximum size (public)' })
  @ApiResponse({
    status: 204,
    description: 'What this server supports',
    headers: {
      'Tus-Version': { description: '`1.0.0`', schema: { type: 'string' } },
      'Tus-Extension': { description: '`creation,creation-with-upload,termination,expiration`', schema: { type: 'string' } },
      'Tus-Max-Size': { description: 'MAX_UPLOAD_BYTES', schema: { type: 'integer' } },
    },
  })
  async discover(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.tus.handle(req, res, {});
  }

  @Post()
  @RequirePermission(Permission.FileWrite)
  @ApiAuth()
  @ApiOperation({
    summary: 'Create a resumable upload (tus creation; with a body, creation-with-upload)',
    description:
      'The file gets its name from the `filename` and its type from the `filetype` (or `contentType`) entry of ' +
      'Upload-Metadata. Nothing is listed until the last byte is in; then the upload is a file like any other, named ' +
      `by the ${FILE_ID_HEADER} header of the answer that completed it and of every HEAD afterwards.`,
  })
  @ApiHeader(TUS_RESUMABLE)
  @ApiHeader({ name: 'Upload-Length', required: true, description: 'The file size in bytes (deferred lengths are not supported)' })
  @ApiHeader({
    name: 'Upload-Metadata',
    required: false,
    description: 'tus metadata (`key base64value,...`): `filename`, `filetype` or `contentType`',
  })
  @ApiConsumes('application/offset+octet-stream')
  @ApiBody({ required: false, schema: { type: 'string', format: 'binary' }, description: 'The first bytes (creation-with-upload), if any' })
  @ApiResponse({
    status: 201,
    description: 'Created; Location is the upload URL to PATCH',
    headers: {
      Location: { description: 'The upload URL, relative: `/api/uploads/{id}`', schema: { type: 'string' } },
      ...OFFSET,
      ...UPLOAD_EXPIRES,
      ...FILE_ID,
      ...RESPONSE_TUS_RESUMABLE,
    },
  })
  @ApiUploadErrors([401, 403, 413, 503, 507], {
    400: 'Upload-Length or Upload-Metadata missing or malformed',
    413: 'Upload-Length over MAX_UPLOAD_BYTES (problem+json, before any byte is read), or a body past Upload-Length',
    412: 'Tus-Resumable missing or not 1.0.0',
    423: 'Another request holds the upload (creation-with-upload)',
    501: 'An extension this server does not support (deferred length, concatenation)',
    503: 'The database or storage is unavailable; retry later (Retry-After)',
    507: 'The storage is full, or (problem+json, code QUOTA_EXCEEDED, before any byte is read) Upload-Length does not fit the quota',
  })
  async create(@CurrentPrincipal() principal: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    const admitted = await this.uploads.admitCreate(principal, req.headers);
    await this.tus.handle(req, res, { principal, admitted });
  }

  @Head(':id')
  @RequirePermission(Permission.FileWrite)
  @ApiAuth()
  @ApiOperation({ summary: 'The offset to resume from (and, once complete, the file id); only the owner sees the upload' })
  @ApiParam({ name: 'id', type: String })
  @ApiHeader(TUS_RESUMABLE)
  @ApiResponse({
    status: 200,
    description: 'The upload',
    headers: {
      ...OFFSET,
      'Upload-Length': { description: 'The file size', schema: { type: 'integer' } },
      'Upload-Metadata': { description: 'As sent at creation', schema: { type: 'string' } },
      'Cache-Control': { description: '`no-store`', schema: { type: 'string' } },
      ...FILE_ID,
      ...RESPONSE_TUS_RESUMABLE,
    },
  })
  @ApiUploadErrors([401, 403, 404, 503], {
    410: 'The upload expired',
    412: 'Tus-Resumable missing or not 1.0.0',
    423: 'Another request holds the upload',
    503: 'The database or storage is unavailable; retry later (Retry-After)',
  })
  async head(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.uploads.findOwned(principal, id);
    await this.tus.handle(req, res, { principal });
  }

  @Patch(':id')
  @RequirePermission(Permission.FileWrite)
  @ApiAuth()
  @ApiOperation({
    summary: 'Send bytes from Upload-Offset on; the PATCH that brings the last byte makes the file before it answers',
  })
  @ApiParam({ name: 'id', type: String })
  @ApiHeader(TUS_RESUMABLE)
  @ApiHeader({ name: 'Upload-Offset', required: true, description: 'Where these bytes start: the offset HEAD answered' })
  @ApiConsumes('application/offset+octet-stream')
  @ApiBody({ required: true, schema: { type: 'string', format: 'binary' }, description: 'The bytes from Upload-Offset on' })
  @ApiResponse({
    status: 204,
    description: 'Received; Upload-Offset is the new offset',
    headers: { ...OFFSET, ...UPLOAD_EXPIRES, ...FILE_ID, ...RESPONSE_TUS_RESUMABLE },
  })
  @ApiUploadErrors([401, 403, 404, 503], {
    400: 'A header is malformed (Content-Type must be application/offset+octet-stream)',
    403: 'Upload-Offset or Content-Type missing (tus answers 403 for these), or the caller may not upload',
    409: 'Upload-Offset is not the upload’s offset: HEAD, then resume from there',
    410: 'The upload expired',
    412: 'Tus-Resumable missing or not 1.0.0',
    413: 'The body goes past Upload-Length',
    423: 'Another request holds the upload',
    503: 'The database or storage is unavailable; retry later (Retry-After)',
    507: 'The storage is full',
  })
  async patch(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.uploads.findOwned(principal, id);
    await this.tus.handle(req, res, { principal });
  }

  @Delete(':id')
  @RequirePermission(Permission.FileWrite)
  @ApiAuth()
  @ApiOperation({ summary: 'Terminate an unfinished upload: its bytes are removed (a finished one is a file: delete that)' })
  @ApiParam({ name: 'id', type: String })
  @ApiHeader(TUS_RESUMABLE)
  @ApiResponse({ status: 204, description: 'Terminated', headers: RESPONSE_TUS_RESUMABLE })
  @ApiUploadErrors([401, 403, 404, 503], {
    400: 'The upload is complete (it is a file now)',
    412: 'Tus-Resumable missing or not 1.0.0',
    423: 'Another request holds the upload',
    503: 'The database or storage is unavailable; retry later (Retry-After)',
  })
  async terminate(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.uploads.findOwned(principal, id);
    await this.tus.handle(req, res, { principal });
  }
}
