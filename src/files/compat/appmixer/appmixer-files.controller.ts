import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiAuth } from '../../../common/openapi/api-auth.decorator.js';
import type { Request, Response } from 'express';
import { CurrentPrincipal, RequirePermission } from '../../../auth/decorators/auth.decorators.js';
import { Permission } from '../../../permissions/permissions.js';
import { Principal } from '../../../auth/principal.js';
import { DomainError, badRequest } from '../../../common/errors/domain-error.js';
import { ErrorCode } from '../../../common/errors/error-code.js';
import { FilesService } from '../../files.service.js';
import { EXACT_COUNT_LIMIT } from '../../listing/file-count.js';
import { FileListingService } from '../../listing/file-listing.service.js';
import { APPMIXER_FIELD_NAMES } from '../../listing/list-fields.js';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from '../../listing/list-query.js';
import type { ListQuery } from '../../listing/list-query.js';
import { ListQueryPipe } from '../../listing/list-query.pipe.js';
import { parseFilter, singleParam } from '../../listing/parse-list-query.js';
import { decodeFilename, DEFAULT_FILENAME, mediaTypeEssence, normalizeContentType, uploadFilename } from '../../upload-headers.js';
import { ChunkedUploadService } from '../../uploads/chunked-upload.service.js';
import { ApiErrors } from '../../../common/openapi/api-errors.decorator.js';
import {
  AppmixerCountDto,
  AppmixerDeletedDto,
  AppmixerFileDto,
  AppmixerProjectedFileDto,
  toAppmixerFile,
  toAppmixerPartialFile,
} from './appmixer-file.dto.js';
import { parseProjection, project } from './appmixer-projection.js';
import { readUploaderHeaders } from './appmixer-upload-headers.js';
import { receiveSingleFilePart } from './single-file-part.js';
import { RoutePrefix } from '../../../common/routes.js';

const FILTER_DOC =
  'Comma-joined terms: `field:value` (equals), `field:~text` (case-insensitive substring; filename, contentType), ' +
  '`field:>n` `field:<n` `field:>=n` `field:<=n` (length, uploadDate). Fields: fileId, filename, contentType, length, ' +
  'uploadDate (ISO 8601), md5, userId. See docs/appmixer-api.md.';

/** Says whether GET /files/count's answer is exact; the body keeps the contract's `{count}` shape. */
const COUNT_EXACT_HEADER = 'X-Count-Exact';

/** `includeComponentSourceFiles` is accepted for compatibility: there are no component source files here. */
function checkIncludeComponentSourceFiles(value: unknown): void {
  const text = singleParam('includeComponentSourceFiles', value);
  if (text !== undefined && !['true', 'false', '1', '0'].includes(text))
    throw badRequest('includeComponentSourceFiles must be true or false.');
}

/** The Appmixer Files API (https://docs.appmixer.com/api/files), over the same files as /api/files. */
@ApiTags('files (Appmixer)')
@ApiAuth()
@ApiExtraModels(AppmixerFileDto, AppmixerProjectedFileDto)
@Controller(RoutePrefix.AppmixerFiles)
export class AppmixerFilesController {
  constructor(
    private readonly files: FilesService,
    private readonly uploads: ChunkedUploadService,
    private readonly listing: FileListingService,
  ) {}

  @Post()
  @HttpCode(200)
  @RequirePermission(Permission.FileWrite)
  @ApiOperation({
    summary: 'Upload a file, or one chunk of it (multipart/form-data, part `file`)',
    description:
      'Without uploader-chunks-total (or with 1) the part is the whole file. With more, each request carries chunk ' +
      '`uploader-chunk-number` (0-based once chunk 0 arrives, else 1-based); the file appears once every chunk is in. ' +
      'Every answer is the file metadata (md5 null and length = bytes so far until complete). See docs/appmixer-api.md.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary', description: 'The file or chunk' } },
    },
  })
  @ApiHeader({
    name: 'uploader-file-id',
    required: false,
    description:
      'Continue this upload: the fileId an earlier answer gave, or an id of the client’s own (huge-uploader) that starts a new upload when unknown',
  })
  @ApiHeader({
    name: 'uploader-file-name',
    required: false,
    description: 'The filename (plain or percent-encoded UTF-8); default: the part’s filename',
  })
  @ApiHeader({
    name: 'uploader-chunks-total',
    required: false,
    description: 'Number of chunks, 1-10000; default 1 (the part is the whole file)',
  })
  @ApiHeader({ name: 'uploader-chunk-number', required: false, description: 'This chunk’s number: 0..total-1 or 1..total' })
  @ApiHeader({ name: 'uploader-chunk-size', required: false, description: 'Informational: the client’s chunk size in bytes' })
  @ApiOkResponse({ type: AppmixerFileDto, description: 'The file (complete) or the upload so far (md5 null)' })
  @ApiErrors('appmixer', [400, 401, 403, 404, 409, 413, 415, 429, 503, 507])
  async upload(@Req() req: Request, @CurrentPrincipal() principal: Principal): Promise<AppmixerFileDto> {
    if (mediaTypeEssence(req.headers['content-type'] ?? '') !== 'multipart/form-data') {
      throw new DomainError(ErrorCode.UnsupportedMediaType, "Send multipart/form-data with the file in a part named 'file'.");
    }
    const headers = readUploaderHeaders(req);
    const outcome = await receiveSingleFilePart(req, (part) =>
      this.uploads.receive(principal, {
        body: part.stream,
        filename:
          headers.fileName !== undefined
            ? decodeFilename(headers.fileName)
            : part.filename !== undefined
              ? uploadFilename(part.filename)
              : DEFAULT_FILENAME,
        contentType: normalizeContentType(part.mimeType),
        uploadId: headers.uploadId,
        chunksTotal: headers.chunksTotal,
        chunkNumber: headers.chunkNumber,
        chunkSize: headers.chunkSize,
      }),
    );
    return outcome.kind === 'file' ? toAppmixerFile(outcome.file) : toAppmixerPartialFile(outcome.session, outcome.bytes);
  }

  @Get()
  @RequirePermission(Permission.FileRead)
  @ApiOperation({ summary: "The caller's files (admins: everyone's), filtered, sorted, projected and paged" })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_LIST_LIMIT },
  })
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0, default: 0 } })
  @ApiQuery({
    name: 'sort',
    required: false,
    description: '`field:1` or `field:-1`, comma-joined, e.g. `filename:1`; default uploadDate:-1',
  })
  @ApiQuery({ name: 'projection', required: false, description: 'Fields to keep (`filename,length`) or drop (`-md5,-chunkSize`)' })
  @ApiQuery({ name: 'filter', required: false, description: `${FILTER_DOC} E.g. \`filename:~invoice\`.` })
  @ApiQuery({
    name: 'includeComponentSourceFiles',
    required: false,
    type: Boolean,
    description: 'Accepted; changes nothing (no component source files are stored here)',
  })
  @ApiOkResponse({
    schema: { type: 'array', items: { $ref: getSchemaPath(AppmixerProjectedFileDto) } },
    description: 'The page of files (projected: without `projection`, every field is there)',
  })
  @ApiErrors('appmixer', [400, 401, 403])
  async list(
    @Query() query: Record<string, unknown>,
    @Query(new ListQueryPipe(APPMIXER_FIELD_NAMES)) listQuery: ListQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Partial<AppmixerFileDto>[]> {
    checkIncludeComponentSourceFiles(query.includeComponentSourceFiles);
    const projection = parseProjection(singleParam('projection', query.projection));
    const files = await this.listing.list(principal, listQuery);
    return files.map((file) => project(toAppmixerFile(file), projection));
  }

  @Get('count')
  @RequirePermission(Permission.FileRead)
  @ApiOperation({
    summary: 'How many files GET /files would list with this filter (for paging)',
    description:
      `Exact up to ${EXACT_COUNT_LIMIT.toLocaleString('en-US')} files. Above that, on a large installation, an estimate from a sample ` +
      '(typically within a few per cent); the `X-Count-Exact` header says which. See docs/appmixer-api.md.',
  })
  @ApiQuery({ name: 'filter', required: false, description: FILTER_DOC })
  @ApiQuery({ name: 'includeComponentSourceFiles', required: false, type: Boolean, description: 'Accepted; changes nothing' })
  @ApiOkResponse({
    type: AppmixerCountDto,
    headers: {
      [COUNT_EXACT_HEADER]: {
        description: `\`true\` when \`count\` is exact, \`false\` when it is an estimate (only ever above ${EXACT_COUNT_LIMIT.toLocaleString('en-US')})`,
        schema: { type: 'string', enum: ['true', 'false'] },
      },
    },
  })
  @ApiErrors('appmixer', [400, 401, 403])
  async count(
    @Query() query: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppmixerCountDto> {
    checkIncludeComponentSourceFiles(query.includeComponentSourceFiles);
    const { count, exact } = await this.listing.countForPaging(
      principal,
      parseFilter(singleParam('filter', query.filter), APPMIXER_FIELD_NAMES),
    );
    res.setHeader(COUNT_EXACT_HEADER, String(exact));
    return { count };
  }

  @Get('metadata/:fileId')
  @RequirePermission(Permission.FileRead)
  @ApiOperation({ summary: "A file's metadata (the content downloads at /api/files/{fileId}?alt=media)" })
  @ApiOkResponse({ type: AppmixerFileDto })
  @ApiErrors('appmixer', [401, 403, 404])
  async metadata(@Param('fileId') fileId: string, @CurrentPrincipal() principal: Principal): Promise<AppmixerFileDto> {
    return toAppmixerFile(await this.files.get(principal, fileId));
  }

  @Delete(':fileId')
  @RequirePermission(Permission.FileWrite)
  @ApiOperation({ summary: 'Delete a file; answers with the metadata of the file deleted' })
  @ApiOkResponse({ type: AppmixerFileDto })
  @ApiErrors('appmixer', [401, 403, 404])
  async remove(@Param('fileId') fileId: string, @CurrentPrincipal() principal: Principal): Promise<AppmixerFileDto> {
    return toAppmixerFile(await this.files.delete(principal, fileId));
  }

  @Delete()
  @RequirePermission(Permission.FileWrite)
  @ApiOperation({
    summary: "Delete the caller's own files matching a filter (never anyone else's, even for admins)",
    description:
      'The filter is required: an empty one is 400, so nothing is wiped by accident. To delete all your files, say `filter=length:>=0`.',
  })
  @ApiQuery({
    name: 'filter',
    required: true,
    description: `${FILTER_DOC} E.g. \`filename:~invoice\` (every own file matching it is deleted).`,
  })
  @ApiOkResponse({ type: AppmixerDeletedDto })
  @ApiErrors('appmixer', [400, 401, 403])
  async removeMatching(@Query() query: Record<string, unknown>, @CurrentPrincipal() principal: Principal): Promise<AppmixerDeletedDto> {
    const filters = parseFilter(singleParam('filter', query.filter), APPMIXER_FIELD_NAMES);
    return { deletedCount: await this.listing.deleteOwnMatching(principal, filters) };
  }
}
