import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal, RequirePermission } from '../../auth/decorators/auth.decorators.js';
import { Permission } from '../../auth/permissions.js';
import { Principal } from '../../auth/principal.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { ApiErrors } from '../../common/openapi/api-errors.decorator.js';
import { sendFile } from '../download/send-file.js';
import { FilesService } from '../files.service.js';
import { decodeFilename, isFormContentType, normalizeContentType, parseContentLength } from '../upload-headers.js';
import { MolgenisFileDto, toMolgenisFile } from './molgenis-file.dto.js';

/** The native API (MOLGENIS Files API contract). */
@ApiTags('files (native, MOLGENIS)')
@ApiBearerAuth()
@ApiSecurity('x-molgenis-token')
@Controller('api/files')
export class FilesController {
  constructor(private readonly files: FilesService) {}

  @Post()
  @RequirePermission(Permission.FileWrite)
  @ApiOperation({ summary: 'Upload a file: the raw body is the content, streamed to storage' })
  @ApiConsumes('application/octet-stream', '*/*')
  @ApiBody({ schema: { type: 'string', format: 'binary' }, description: 'The file bytes (not a form)' })
  @ApiHeader({ name: 'Content-Type', required: false, description: 'The file media type; default application/octet-stream. Form encodings get 415.' })
  @ApiHeader({ name: 'x-molgenis-filename', required: false, description: 'Filename, plain or percent-encoded UTF-8; default "unknown"' })
  @ApiHeader({ name: 'Content-Length', required: false, description: 'Body size; bodies over MAX_UPLOAD_BYTES get 413 before they are read' })
  @ApiCreatedResponse({ type: MolgenisFileDto, description: 'Stored; Location names the new file', headers: { Location: { description: 'URL of the new file', schema: { type: 'string' } } } })
  @ApiErrors(400, 401, 403, 413, 415, 503, 507)
  async upload(@Req() req: Request, @Res({ passthrough: true }) res: Response, @CurrentPrincipal() principal: Principal): Promise<MolgenisFileDto> {
    const contentType = req.headers['content-type'];
    if (isFormContentType(contentType)) {
      throw new DomainError(ErrorCode.UnsupportedMediaType, `Send the file's bytes as the body, not a form (${contentType!.split(';')[0]}); see the Appmixer API at /files for multipart uploads.`);
    }
    const declaredSize = parseContentLength(req.headers['content-length']);
    if (Number.isNaN(declaredSize)) throw new DomainError(ErrorCode.ValidationFailed, 'Content-Length must be a whole number.');
    const file = await this.files.upload(principal, {
      body: req,
      filename: decodeFilename(req.headers['x-molgenis-filename'] as string | undefined),
      contentType: normalizeContentType(contentType),
      declaredSize,
    });
    res.status(201).location(`/api/files/${encodeURIComponent(file.id)}`);
    return toMolgenisFile(file);
  }

  @Get(':id')
  @RequirePermission(Permission.FileRead)
  @ApiOperation({ summary: 'File metadata, or with ?alt=media the file itself' })
  @ApiQuery({ name: 'alt', required: false, enum: ['media'], description: '`media` downloads the content' })
  @ApiProduces('application/json', 'application/octet-stream')
  @ApiOkResponse({ type: MolgenisFileDto, description: 'Metadata JSON; with alt=media, the bytes with the stored Content-Type' })
  @ApiErrors(400, 401, 403, 404)
  async get(
    @Param('id') id: string,
    @Query('alt') alt: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (alt !== undefined && alt !== 'media' && alt !== 'json') {
      throw new DomainError(ErrorCode.ValidationFailed, `alt must be 'media', 'json' or absent, not '${alt}'.`);
    }
    const file = await this.files.get(principal, id);
    if (alt === 'media') await sendFile(req, res, this.files, file);
    else res.json(toMolgenisFile(file));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission(Permission.FileWrite)
  @ApiOperation({ summary: 'Delete a file: its metadata, then its bytes' })
  @ApiNoContentResponse({ description: 'File and metadata deleted' })
  @ApiErrors(401, 403, 404)
  async delete(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.files.delete(principal, id);
  }
}
