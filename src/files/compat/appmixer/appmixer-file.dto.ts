import { ApiProperty, PartialType } from '@nestjs/swagger';
import { FileMeta } from '../../file-meta.entity.js';
import { UploadSession } from '../../uploads/upload-session.js';

export class AppmixerFileMetadataDto {
  @ApiProperty({ nullable: true, type: String, description: 'Owner user id (null once the owner was deleted)' }) userId: string | null;
}

/** File metadata exactly as the Appmixer Files API returns it. */
export class AppmixerFileDto {
  @ApiProperty({ example: 146737, description: 'Bytes (for an unfinished upload: the bytes received so far)' }) length: number;
  @ApiProperty({
    example: 146737,
    description: 'A stored file is one object, so its length; during an upload, uploader-chunk-size or the first chunk size',
  })
  chunkSize: number;
  @ApiProperty({ example: '2020-07-24T19:19:49.755Z' }) uploadDate: string;
  @ApiProperty({ example: 'chart1.png' }) filename: string;
  @ApiProperty({
    example: '1d0ed5eb2cacbab4526de272837102dd',
    nullable: true,
    type: String,
    description: 'Hex MD5 of the whole file; null until an upload is complete',
  })
  md5: string | null;
  @ApiProperty({ type: AppmixerFileMetadataDto }) metadata: AppmixerFileMetadataDto;
  @ApiProperty({ example: 'image/png' }) contentType: string;
  @ApiProperty({ example: 'aaaac2mp6yoxgaavluayxfiaae', description: 'Also downloadable at /api/files/{fileId}?alt=media' }) fileId: string;
}

/** A file as GET /files lists it: `projection` may leave any field out. */
export class AppmixerProjectedFileDto extends PartialType(AppmixerFileDto) {}

export const toAppmixerFile = (file: FileMeta): AppmixerFileDto => ({
  length: file.size,
  chunkSize: file.size,
  uploadDate: file.createdAt.toISOString(),
  filename: file.filename,
  md5: file.md5,
  metadata: { userId: file.ownerId },
  contentType: file.contentType,
  fileId: file.id,
});

/** An upload still waiting for chunks: what it will be, with the bytes so far. */
export const toAppmixerPartialFile = (session: UploadSession, bytes: number): AppmixerFileDto => ({
  length: bytes,
  chunkSize: session.chunkSize ?? bytes,
  uploadDate: session.createdAt.toISOString(),
  filename: session.filename,
  md5: null,
  metadata: { userId: session.ownerId },
  contentType: session.contentType,
  fileId: session.fileId,
});

export class AppmixerCountDto {
  @ApiProperty({
    example: 2,
    description: 'Matching files: exact up to 1,000, above that possibly an estimate (see the X-Count-Exact header)',
  })
  count: number;
}

export class AppmixerDeletedDto {
  @ApiProperty({ example: 3, description: "How many of the caller's files were deleted" }) deletedCount: number;
}
