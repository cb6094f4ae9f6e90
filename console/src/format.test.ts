import { describe, expect, it } from 'vitest';
import { errorMessage } from './api';
import { formatBytes, grantTarget, listQuery, nextSort, pageLabel, parseQuota } from './format';

describe('console UI logic', () => {
  it('sorts: the same column flips, another starts ascending (dates newest first)', () => {
    expect(nextSort({ field: 'filename', direction: 1 }, 'filename')).toEqual({ field: 'filename', direction: -1 });
    expect(nextSort({ field: 'filename', direction: -1 }, 'size')).toEqual({ field: 'size', direction: 1 });
    expect(nextSort({ field: 'size', direction: 1 }, 'createdAt')).toEqual({ field: 'createdAt', direction: -1 });
  });

  it('asks the listing API for one page: a filename substring filter, one sort key, limit and offset', () => {
    const query = new URLSearchParams(listQuery('  report, q3 ', { field: 'size', direction: -1 }, 2, 25));
    expect(Object.fromEntries(query)).toEqual({ filter: 'filename:~report, q3', sort: 'size:-1', limit: '25', offset: '50' });
    expect(new URLSearchParams(listQuery('', { field: 'createdAt', direction: -1 }, 0, 25)).has('filter')).toBe(false);
  });

  it('shows the API’s own error text, whatever the dialect', () => {
    expect(errorMessage(401, JSON.stringify({ type: 'about:blank', detail: 'Wrong username or password.' }))).toBe(
      'Wrong username or password.',
    );
    expect(errorMessage(404, JSON.stringify({ statusCode: 404, message: 'File not found' }))).toBe('File not found');
    expect(errorMessage(400, JSON.stringify({ path: '$', error: 'bad id' }))).toBe('bad id');
    expect(errorMessage(507, 'Quota exceeded: 1 GB per user\n')).toBe('Quota exceeded: 1 GB per user');
    expect(errorMessage(502, '<html>Bad gateway</html>')).toBe('The service answered 502.');
    expect(errorMessage(0, '')).toContain('cannot be reached');
  });

  it('formats sizes, pages, grant targets and quotas', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(25 * 1024 ** 2)).toBe('25 MB');
    expect(pageLabel(0, 25, 0)).toBe('Page 1 of 1');
    expect(pageLabel(1, 25, 51)).toBe('Page 2 of 3');
    expect(grantTarget(' viewer ')).toEqual({ role: 'viewer' });
    expect(grantTarget('alice')).toEqual({ username: 'alice' });
    expect(parseQuota('')).toBeNull();
    expect(parseQuota('1024')).toBe(1024);
    expect(parseQuota('1e3')).toBeUndefined();
  });
});
