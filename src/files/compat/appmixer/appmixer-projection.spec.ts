import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../../../common/errors/domain-error.js';
import { AppmixerFileDto } from './appmixer-file.dto.js';
import { parseProjection, project } from './appmixer-projection.js';

const file: AppmixerFileDto = {
  length: 3,
  chunkSize: 3,
  uploadDate: '2025-01-01T00:00:00.000Z',
  filename: 'a.txt',
  md5: '900150983cd24fb0d6963f7d28e17f72',
  metadata: { userId: 'u' },
  contentType: 'text/plain',
  fileId: 'f',
};

describe('Appmixer projection', () => {
  it('keeps the named fields, in the response order', () => {
    expect(project(file, parseProjection('fileId,filename'))).toEqual({ filename: 'a.txt', fileId: 'f' });
    expect(project(file, parseProjection('metadata.userId'))).toEqual({ metadata: { userId: 'u' } });
  });

  it('drops -fields; nothing given keeps everything', () => {
    expect(Object.keys(project(file, parseProjection('-md5,-metadata')))).toEqual([
      'length',
      'chunkSize',
      'uploadDate',
      'filename',
      'contentType',
      'fileId',
    ]);
    expect(project(file, parseProjection(undefined))).toEqual(file);
  });

  it.each(['password', 'filename,-md5', '-filename,md5', '__proto__'])('refuses %s', (projection) => {
    expect(() => parseProjection(projection)).toThrow(DomainError);
  });
});
