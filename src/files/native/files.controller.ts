import { Controller, Delete, Get, Head, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiAuth } from '../../common/openapi/api-auth.decorator.js';
import type { Request, Response } from 'express';
import { CurrentPrincipal, RequirePermission } from '../../auth/decorators/auth.decorators.js';
import { Permission } from '../../permissions/permissions.js';
import { Principal } from '../../auth/principal.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { ApiErrors } from '../../common/openapi/api-errors.decorator.js';
import { ApiRawUploadBody } from '../api-raw-upload-body.decorator.js';
import { ApiDownload, FILE_CONTENT } from '../download/api-download.decorator.js';
import { parseDownloadOptions } from '../download/content-disposition.js';
import { sendFile } from '../download/send-file.js';
import { FilesService } from '../files.service.js';
import { decodeFilename } from '../upload-headers.js';
import { readRawUploadHeaders } from '../upload-request.js';
import { MolgenisFileDto, toMolgenisFile } from './molgenis-file.dto.js';
import { RoutePrefix } from '../../common/routes.js';

/** The query of GET/HEAD /api/files/{id}, checked by the handler (documented by the @ApiQuery decorators). */
interface DownloadQuery {
  alt?: unknown;
  disposition?: unknown;
  download?: unknown;
}

/** The native API (MOLGENIS Files API contract). */
@ApiTags('files (native, MOLGENIS)')
@ApiAuth()
@Controller(RoutePrefix.NativeFiles)
export class FilesController {
  constructor(private readonly files: FilesService) {}

  @Post()
  @RequirePermission(Permission.FileWrite)
  @ApiOperation({ summary: 'Upload a file: the raw body is the content, streamed to storage' })
  @ApiRawUploadBody(
    "The file bytes (not a form). The request's Content-Type (the media type picked here) is the file's type " +
      '(default application/octet-stream); form encodings get 415. A body over MAX_UPLOAD_BYTES gets 413, one ' +
      "beyond the caller's quota 507, before it is read when Content-Length says so.",
  )
  @ApiHeader({ name: 'x-molgenis-filename', required: false, description: 'Filename, plain or percent-encoded UTF-8; default "unknown"' })
  @ApiCreatedResponse({
    type: MolgenisFileDto,
    description: 'Stored; Location names the new file',
    headers: { Location: { description: 'URL of the new file', schema: { type: 'string' } } },
  })
  @ApiErrors('molgenis', [400, 401, 403, 413, 415, 503, 507])
  async upload(
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MolgenisFileDto> {
    const { contentType, declaredSize } = readRawUploadHeaders(req, 'see the Appmixer API at /files for multipart uploads.');
    const file = await this.files.upload(principal, {
      body: req,
      filename: decodeFilename(req.headers['x-molgenis-filename'] as string | undefined),
      contentType,
      declaredSize,
    });
    res.status(201).location(`/api/files/${encodeURIComponent(file.id)}`);
    return toMolgenisFile(file);
  }

  // Declared before GET so Express routes HEAD here (it would otherwise fall through to GET, with the same effect).
  @Head(':id')
  @RequirePermission(Permission.FileRead)
  @ApiOperation({ summary: 'The headers GET would send (status, ETag, Content-Length, Content-Range...), without a body' })
  @ApiQuery({ name: 'alt', required: false, enum: ['media'], description: '`media`: the headers of the download' })
  @ApiDownload('molgenis')
  @ApiOkResponse({ description: 'As GET, without a body' })
  @ApiErrors('molgenis', [400, 401, 403, 404])
  @ApiParam({ name: 'id', type: String })
  async head(
    @Param('id') id: string,
    @Query() query: DownloadQuery,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.get(id, query, principal, req, res);
  }

  @Get(':id')
  @RequirePermission(Permission.FileRead)
  @ApiOperation({ summary: 'File metadata, or with ?alt=media the file itself (Range, conditional requests)' })
  @ApiQuery({ name: 'alt', required: false, enum: ['media'], description: '`media` downloads the content' })
  @ApiDownload('molgenis')
  @ApiResponse({
    status: 200,
    description: 'Metadata JSON; with alt=media, the bytes with the stored Content-Type',
    content: { 'application/json': { schema: { $ref: getSchemaPath(MolgenisFileDto) } }, ...FILE_CONTENT },
  })
  @ApiErrors('molgenis', [400, 401, 403, 404, 500])
  @ApiParam({ name: 'id', type: String })
  async get(
    @Param('id') id: string,
    @Query() query: DownloadQuery,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    // No pipe runs on these parameters (validation is scoped to DTOs), so Nest hands them over without a promise.
    const { alt, disposition, download } = query;
    if (alt !== undefined && alt !== 'media' && alt !== 'json') {
      throw new DomainError(
        ErrorCode.ValidationFailed,
        `alt must be 'media', 'json' or absent, not '${typeof alt === 'string' ? alt : JSON.stringify(alt)}'.`,
      );
    }
    const options = alt === 'media' ? parseDownloadOptions({ disposition, download }) : undefined;
    const file = options ? await this.files.getForDownload(principal, id) : await this.files.get(principal, id);
    if (options) await sendFile(req, res, this.files, file, options);
    else res.json(toMolgenisFile(file));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission(Permission.FileWrite)
  @ApiOperation({ summary: 'Delete a file: its metadata, then its bytes' })
  @ApiNoContentResponse({ description: 'File and metadata deleted' })
  @ApiErrors('molgenis', [401, 403, 404])
  async delete(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.files.delete(principal, id);
  }
}
