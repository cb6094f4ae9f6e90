import { describe, expect, it } from '@jest/globals';
import {
  decodeFilename,
  isFormContentType,
  normalizeContentType,
  parseContentLength,
  sanitizeFilename,
  uploadFilename,
} from './upload-headers.js';

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

  it('refuses filenames longer than 255 characters, counting characters rather than bytes', () => {
    expect(decodeFilename('a'.repeat(255))).toHaveLength(255);
    expect(() => decodeFilename('a'.repeat(256))).toThrow(/256 characters/);
    expect(decodeFilename(encodeURIComponent('\u{1f600}'.repeat(255)))).toBe('\u{1f600}'.repeat(255));
    expect(() => uploadFilename('\u4e00'.repeat(256))).toThrow(/at most 255/);
  });

  it('cuts a long stored name to 255 whole characters for display', () => {
    expect(sanitizeFilename('\u{1f600}'.repeat(300))).toBe('\u{1f600}'.repeat(255));
  });

  it.each(['*/*', 'image/*', '*/*; q=0.8'])('stores the wildcard Content-Type %p as application/octet-stream', (header) => {
    expect(normalizeContentType(header)).toBe('application/octet-stream');
  });

  it('parses Content-Length strictly', () => {
    expect(parseContentLength(undefined)).toBeUndefined();
    expect(parseContentLength('42')).toBe(42);
    expect(parseContentLength('-1')).toBeNaN();
    expect(parseContentLength('1e3')).toBeNaN();
  });
});
