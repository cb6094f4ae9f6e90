import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FileMeta } from '../file-meta.entity.js';

/** File metadata as the MOLGENIS Files API returns it, plus a few welcome extras. */
export class MolgenisFileDto {
  @ApiProperty({ example: 'aaaac2mp6yoxgaavluayxfiaae' }) id: string;
  @ApiProperty({ example: 'logo_green.png' }) filename: string;
  @ApiProperty({ example: 'image/png' }) contentType: string;
  @ApiProperty({ example: 11189 }) size: number;
  @ApiProperty({ description: 'Hex SHA-256 of the content' }) sha256: string;
  @ApiProperty({ description: 'Hex MD5 of the content' }) md5: string;
  @ApiProperty({ example: '2026-01-01T12:00:00.000Z' }) createdAt: string;
  @ApiProperty({ nullable: true, type: String, description: 'Owner user id (null once the owner was deleted)' }) owner: string | null;
  @ApiProperty({ example: '/api/files/aaaac2mp6yoxgaavluayxfiaae?alt=media' }) url: string;
  @ApiPropertyOptional({ description: "In listings: true when the file is not the caller's own (shared with them, or seen as admin)" })
  shared?: boolean;
}

export const toMolgenisFile = (file: FileMeta): MolgenisFileDto => ({
  id: file.id,
  filename: file.filename,
  contentType: file.contentType,
  size: file.size,
  sha256: file.sha256,
  md5: file.md5,
  createdAt: file.createdAt.toISOString(),
  owner: file.ownerId,
  url: `/api/files/${encodeURIComponent(file.id)}?alt=media`,
});
