import { describe, expect, it } from '@jest/globals';
import { decodeFilename, isFormContentType, normalizeContentType, parseContentLength } from './upload-headers.js';

describe('upload headers', () => {
  it.each([
    [undefined, 'application/octet-stream'],
    ['None', 'application/octet-stream'],
    ['', 'application/octet-stream'],
    ['text/plain', 'text/plain'],
    ['Text/HTML; charset=UTF-8', 'text/html; charset=UTF-8'],
    ['image/svg+xml', 'image/svg+xml'],
    ['text/plain; charset="utf-8"', 'text/plain; charset="utf-8"'],
    ['a/b\r\nX-Evil: 1', 'application/octet-stream'],
    ['x/' + 'y'.repeat(300), 'application/octet-stream'],
  ])('normalizes Content-Type %p to %p', (header, expected) => {
    expect(normalizeContentType(header)).toBe(expected);
  });

  it('recognises form encodings whatever their parameters or case', () => {
    expect(isFormContentType('multipart/form-data; boundary=abc')).toBe(true);
    expect(isFormContentType('Application/X-WWW-Form-Urlencoded')).toBe(true);
    expect(isFormContentType('application/json')).toBe(false);
    expect(isFormContentType(undefined)).toBe(false);
  });

  it.each([
    [undefined, 'unknown'],
    ['report.pdf', 'report.pdf'],
    ['r%C3%A9sum%C3%A9.pdf', 'résumé.pdf'],
    [Buffer.from('naïve.txt', 'utf8').toString('latin1'), 'naïve.txt'],
    ['100%.txt', '100%.txt'],
    ['%E0%A4%A.txt', '%E0%A4%A.txt'],
    ['a%0D%0Ab.txt', 'ab.txt'],
    ['%00', 'unknown'],
    ['   ', 'unknown'],
    ['../../etc/passwd', '../../etc/passwd'],
  ])('decodes filename header %p to %p', (header, expected) => {
    expect(decodeFilename(header)).toBe(expected);
  });

  it('caps very long filenames', () => {
    expect(decodeFilename('a'.repeat(5000))).toHaveLength(1024);
  });

  it('caps filenames at 2,048 bytes of UTF-8 too, cutting between whole characters', () => {
    const cjk = decodeFilename(encodeURIComponent('\u4e00'.repeat(1024)));
    expect(cjk).toBe('\u4e00'.repeat(682));
    const emoji = decodeFilename(encodeURIComponent('\u{1f600}'.repeat(600)));
    expect(emoji).toBe('\u{1f600}'.repeat(512));
    expect(Buffer.byteLength(decodeFilename('\u00e9'.repeat(1024)))).toBe(2048);
  });

  it('parses Content-Length strictly', () => {
    expect(parseContentLength(undefined)).toBeUndefined();
    expect(parseContentLength('42')).toBe(42);
    expect(parseContentLength('-1')).toBeNaN();
    expect(parseContentLength('1e3')).toBeNaN();
  });
});
