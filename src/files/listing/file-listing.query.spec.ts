import { describe, expect, it } from '@jest/globals';
import { escapeLike, withPageSample } from './file-listing.query.js';

describe('escapeLike', () => {
  it('makes LIKE wildcards and the escape character match themselves', () => {
    expect(escapeLike('100%_done\\')).toBe('100\\%\\_done\\\\');
    expect(escapeLike('plain')).toBe('plain');
  });
});

describe('withPageSample', () => {
  it('samples the pages of file_meta under the f alias, with the percentage as a bound parameter', () => {
    const sql =
      'SELECT COUNT(*) AS "count" FROM "file_meta" "f" WHERE "f"."filename" ILIKE $1 AND EXISTS (SELECT 1 FROM file_grants g WHERE g.file_id = f.id)';
    expect(withPageSample(sql, 2)).toBe(
      'SELECT COUNT(*) AS "count" FROM "file_meta" "f" TABLESAMPLE SYSTEM ($2::real) REPEATABLE (0) WHERE "f"."filename" ILIKE $1 AND EXISTS (SELECT 1 FROM file_grants g WHERE g.file_id = f.id)',
    );
  });

  it('refuses a query whose FROM it does not recognise, or that reads file_meta twice', () => {
    expect(() => withPageSample('SELECT COUNT(*) FROM "file_meta" "files"', 1)).toThrow(/Cannot sample/);
    expect(() => withPageSample('SELECT 1 FROM "file_meta" "f" UNION SELECT 1 FROM "file_meta" "f"', 1)).toThrow(/Cannot sample/);
  });
});
