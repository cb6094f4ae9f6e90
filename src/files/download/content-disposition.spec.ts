import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../../common/errors/domain-error.js';
import { asciiFallback, contentDispositionFor, isSafeInline, parseDownloadOptions } from './content-disposition.js';

const file = (filename: string, contentType = 'application/octet-stream') => ({ filename, contentType });

describe('contentDispositionFor', () => {
  it('is an attachment with the plain name by default', () => {
    expect(contentDispositionFor(file('report.csv'))).toBe('attachment; filename=report.csv');
  });

  it('adds filename* for non-ASCII names, with an ASCII fallback', () => {
    expect(contentDispositionFor(file('Café 日本.txt'))).toBe(
      `attachment; filename="Cafe __.txt"; filename*=UTF-8''Caf%C3%A9%20%E6%97%A5%E6%9C%AC.txt`,
    );
  });

  it('never lets quotes, backslashes or percent signs confuse the fallback', () => {
    const header = contentDispositionFor(file('a"b\\c%41.txt'));
    expect(header).toMatch(/^attachment; filename=a_b_c_41.txt; filename\*=UTF-8''/);
  });

  it.each(['evil\r\nSet-Cookie: x=1.txt', 'nul\u0000.txt', 'tab\t.txt'])('drops control characters from %j', (name) => {
    const header = contentDispositionFor(file(name));
    // eslint-disable-next-line no-control-regex -- the test looks for control characters
    expect(header).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it.each(['image/png', 'image/jpeg', 'application/pdf', 'text/plain; charset=utf-8', 'audio/mpeg', 'video/mp4'])(
    'shows %s inline when asked',
    (type) => {
      expect(contentDispositionFor(file('x', type), { disposition: 'inline' })).toBe('inline; filename=x');
    },
  );

  it.each([
    'text/html',
    'image/svg+xml',
    'application/xml',
    'text/xml',
    'application/javascript',
    'text/javascript',
    'application/xhtml+xml',
    'application/octet-stream',
  ])('keeps %s an attachment even when inline is asked', (type) => {
    expect(contentDispositionFor(file('x', type), { disposition: 'inline' })).toBe('attachment; filename=x');
  });

  it('uses the chosen download name', () => {
    expect(contentDispositionFor(file('stored.bin'), { downloadName: 'mine.bin' })).toBe('attachment; filename=mine.bin');
  });
});

describe('isSafeInline', () => {
  it('is case-insensitive on the media type', () => {
    expect(isSafeInline('IMAGE/PNG')).toBe(true);
    expect(isSafeInline('Image/SVG+XML')).toBe(false);
  });
});

describe('asciiFallback', () => {
  it('strips accents and replaces the rest', () => {
    expect(asciiFallback('Ångström ☃.txt')).toBe('Angstrom _.txt');
  });
});

describe('parseDownloadOptions', () => {
  it('accepts nothing, inline, attachment and a plain name', () => {
    expect(parseDownloadOptions({})).toEqual({});
    expect(parseDownloadOptions({ disposition: 'inline', download: ' résumé.pdf ' })).toEqual({
      disposition: 'inline',
      downloadName: 'résumé.pdf',
    });
    expect(parseDownloadOptions({ disposition: 'attachment' })).toEqual({ disposition: 'attachment' });
  });

  it.each([
    { disposition: 'INLINE' },
    { disposition: 'form-data' },
    { disposition: ['inline', 'inline'] },
    { download: '' },
    { download: '   ' },
    { download: '..' },
    { download: 'a/b.txt' },
    { download: 'a\\b.txt' },
    { download: 'a\r\nb.txt' },
    { download: 'a\u0000b' },
    { download: 'x'.repeat(256) },
    { download: ['a', 'b'] },
  ])('refuses %j with a 400', (query) => {
    expect(() => parseDownloadOptions(query)).toThrow(DomainError);
  });
});
