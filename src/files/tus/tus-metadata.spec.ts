import { describe, expect, it } from '@jest/globals';
import { describeUpload, parseUploadLength } from './tus-metadata.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('tus Upload-Metadata', () => {
  it('takes filename and filetype, decoded from base64 as UTF-8', () => {
    expect(describeUpload(`filename ${b64('Größe.pdf')},filetype ${b64('application/pdf')}`)).toEqual({
      filename: 'Größe.pdf',
      contentType: 'application/pdf',
    });
  });

  it('takes contentType when there is no filetype', () => {
    expect(describeUpload(`filename ${b64('a.txt')},contentType ${b64('Text/Plain; charset=utf-8')}`)).toEqual({
      filename: 'a.txt',
      contentType: 'text/plain; charset=utf-8',
    });
  });

  it('judges names and types as every other upload does', () => {
    expect(describeUpload(`filename ${b64('  evil\r\nname.txt ')},filetype ${b64('None')}`)).toEqual({
      filename: 'evilname.txt',
      contentType: 'application/octet-stream',
    });
  });

  it('defaults a missing header or key, and a key without a value', () => {
    expect(describeUpload(undefined)).toEqual({ filename: 'unknown', contentType: 'application/octet-stream' });
    expect(describeUpload('filename')).toEqual({ filename: 'unknown', contentType: 'application/octet-stream' });
  });

  it('leaves invalid metadata to tus (undefined)', () => {
    expect(describeUpload('filename not-base64!')).toBeUndefined();
    expect(describeUpload(`a ${b64('x')},a ${b64('y')}`)).toBeUndefined();
  });

  it.each([
    ['0', 0],
    ['1048576', 1048576],
    ['-1', undefined],
    ['1e3', undefined],
    [' 5', undefined],
    [undefined, undefined],
  ])('reads Upload-Length %p as %p', (header, expected) => {
    expect(parseUploadLength(header)).toBe(expected);
  });
});
