import { applyDecorators, Controller, Delete, Get, Head, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiAuth } from '../../../common/openapi/api-auth.decorator.js';
import type { Request, Response } from 'express';
import { CurrentPrincipal, RequirePermission, TrustHasuraHeaders } from '../../../auth/decorators/auth.decorators.js';
import { Permission } from '../../../permissions/permissions.js';
import { Principal } from '../../../auth/principal.js';
import { badRequest } from '../../../common/errors/domain-error.js';
import { ApiRawUploadBody } from '../../api-raw-upload-body.decorator.js';
import { ApiDownload, FILE_CONTENT } from '../../download/api-download.decorator.js';
import { sendFile } from '../../download/send-file.js';
import { newFileId } from '../../file-id.js';
import { FilesService } from '../../files.service.js';
import { readRawUploadHeaders } from '../../upload-request.js';
import { ApiErrors } from '../../../common/openapi/api-errors.decorator.js';
import { HasuraFileDto, toHasuraFile } from './hasura-file.dto.js';
import { RoutePrefix } from '../../../common/routes.js';

const FILE_ID_PARAM = ApiParam({
  name: 'fileId',
  description:
    'The file id, chosen by the client: 1-128 of A-Z a-z 0-9 . _ - starting with a letter or digit (a UUID fits), ' +
    'e.g. `05c40f1e-cdaf-4e29-8976-38c899`',
});

/** What both upload routes share: the permission, and the docs of body, headers and answers. */
const UPLOAD_ROUTE = applyDecorators(
  RequirePermission(Permission.FileWrite),
  ApiRawUploadBody(
    "The file bytes (not a form), streamed to storage. The request's Content-Type is stored and served back " +
      '(default application/octet-stream); form encodings get 415.',
  ),
  ApiOkResponse({ type: HasuraFileDto, description: 'Stored (Content-Type: application/json)' }),
);

/** JSON with exactly `Content-Type: application/json` (no charset): old filestore SDKs compare it literally. */
function sendJson(res: Response, body: HasuraFileDto): void {
  // setHeader, not res.type(): Express would append the charset.
  res.status(200).setHeader('Content-Type', 'application/json');
  res.send(Buffer.from(JSON.stringify(body)));
}

/** The Hasura filestore API (contract: hasura-filestore-api.rst): a thin HTTP layer over FilesService. */
@ApiTags('files (Hasura filestore)')
@ApiAuth()
@ApiHeader({
  name: 'X-Hasura-User-Id',
  required: false,
  description:
    'Only with HASURA_TRUST_HEADERS=true (behind a gateway that sets it): authenticates the caller instead of a token. Ignored otherwise.',
})
@ApiHeader({
  name: 'X-Hasura-Role',
  required: false,
  description: 'With a trusted X-Hasura-User-Id: admin → admin, user/editor → editor, anything else → viewer (read only).',
})
@TrustHasuraHeaders()
@Controller(RoutePrefix.HasuraFiles)
export class HasuraFilesController {
  constructor(private readonly files: FilesService) {}

  @Post()
  @UPLOAD_ROUTE
  @ApiErrors('hasura', [401, 403, 413, 415, 507])
  @ApiOperation({ summary: 'Upload a file under an id the server makes' })
  async uploadWithNewId(@Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.upload(req, res, principal, newFileId());
  }

  @Post(':fileId')
  @UPLOAD_ROUTE
  @ApiErrors('hasura', [400, 401, 403, 409, 413, 415, 507])
  @FILE_ID_PARAM
  @ApiOperation({ summary: 'Upload a file under a client-chosen id (never overwrites: a taken id is 409)' })
  async uploadWithId(
    @Param('fileId') fileId: string,
    @Req() req: Request,
    @Res() res: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.upload(req, res, principal, fileId);
  }

  /** `/v1/file/a/b`: a client that meant the id `a/b` learns why, instead of getting a bare 404. */
  @Post(':fileId/*rest')
  @ApiExcludeEndpoint()
  rejectSlashInId(): never {
    throw badRequest("A file id cannot contain '/': use 1-128 of A-Z a-z 0-9 . _ - (starting with a letter or digit).");
  }

  // Declared before GET so that it shows in the OpenAPI document; sendFile answers HEAD without a body.
  @Head(':fileId')
  @RequirePermission(Permission.FileRead)
  @FILE_ID_PARAM
  @ApiOperation({ summary: 'The headers a download would send (status, ETag, Content-Length, Content-Range...), without a body' })
  @ApiOkResponse({ description: 'As GET, without a body' })
  @ApiErrors('hasura', [401, 403, 404, 500])
  @ApiDownload('hasura')
  async head(
    @Param('fileId') fileId: string,
    @Req() req: Request,
    @Res() res: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.download(fileId, req, res, principal);
  }

  @Get(':fileId')
  @RequirePermission(Permission.FileRead)
  @FILE_ID_PARAM
  @ApiOperation({ summary: 'Download a file, streamed with its stored Content-Type' })
  @ApiResponse({ status: 200, content: FILE_CONTENT, description: 'The bytes, with the stored Content-Type' })
  @ApiErrors('hasura', [401, 403, 404, 500])
  @ApiDownload('hasura')
  async download(
    @Param('fileId') fileId: string,
    @Req() req: Request,
    @Res() res: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    const file = await this.files.getForDownload(principal, fileId);
    await sendFile(req, res, this.files, file);
  }

  @Delete(':fileId')
  @RequirePermission(Permission.FileWrite)
  @FILE_ID_PARAM
  @ApiOperation({ summary: 'Delete a file; answers its record' })
  @ApiOkResponse({ type: HasuraFileDto, description: 'Deleted (Content-Type: application/json)' })
  @ApiErrors('hasura', [401, 403, 404])
  async delete(@Param('fileId') fileId: string, @Res() res: Response, @CurrentPrincipal() principal: Principal): Promise<void> {
    sendJson(res, toHasuraFile(await this.files.delete(principal, fileId), principal));
  }

  private async upload(req: Request, res: Response, principal: Principal, id: string): Promise<void> {
    const { contentType, declaredSize } = readRawUploadHeaders(req, 'the filestore API takes the raw bytes.');
    // The filestore has no filenames: downloads are named after the id.
    const file = await this.files.upload(principal, { body: req, id, filename: id, contentType, declaredSize });
    sendJson(res, toHasuraFile(file, principal));
  }
}
