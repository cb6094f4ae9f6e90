import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../../common/errors/domain-error.js';
import { APPMIXER_FIELD_NAMES, NATIVE_FIELD_NAMES } from './list-fields.js';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from './list-query.js';
import { parseFilter, parseListQuery, parseSort } from './parse-list-query.js';

const badRequest = (fn: () => unknown) => {
  expect(fn).toThrow(DomainError);
  try {
    fn();
  } catch (error) {
    expect((error as DomainError).code).toBe('VALIDATION_FAILED');
  }
};

describe('parseFilter', () => {
  it('reads equality, substring and range terms into whitelisted fields with typed values', () => {
    expect(parseFilter('filename:~invoice,length:>1000,uploadDate:<2025-01-01,md5:abc', APPMIXER_FIELD_NAMES)).toEqual([
      { field: 'filename', op: 'contains', value: 'invoice' },
      { field: 'size', op: 'gt', value: 1000 },
      { field: 'createdAt', op: 'lt', value: new Date('2025-01-01') },
      { field: 'md5', op: 'eq', value: 'abc' },
    ]);
    expect(parseFilter('size:>=5,size:<=9,createdAt:>2025-01-01T10:00:00Z', NATIVE_FIELD_NAMES)).toEqual([
      { field: 'size', op: 'gte', value: 5 },
      { field: 'size', op: 'lte', value: 9 },
      { field: 'createdAt', op: 'gt', value: new Date('2025-01-01T10:00:00Z') },
    ]);
  });

  it('keeps a comma that does not start a new `field:` term in the value; empty means no filter', () => {
    expect(parseFilter('filename:~a, b,c', APPMIXER_FIELD_NAMES)).toEqual([{ field: 'filename', op: 'contains', value: 'a, b,c' }]);
    expect(parseFilter('filename:x:y', APPMIXER_FIELD_NAMES)).toEqual([{ field: 'filename', op: 'eq', value: 'x:y' }]);
    expect(parseFilter(undefined, APPMIXER_FIELD_NAMES)).toEqual([]);
    expect(parseFilter('  ', APPMIXER_FIELD_NAMES)).toEqual([]);
  });

  it('maps the dialect names: metadata.userId and userId are the owner', () => {
    const id = '0b3c7a52-6c4a-4f5e-9a1e-3f0c2d9b8e71';
    expect(parseFilter(`metadata.userId:${id}`, APPMIXER_FIELD_NAMES)).toEqual([{ field: 'ownerId', op: 'eq', value: id }]);
    expect(parseFilter(`owner:${id}`, NATIVE_FIELD_NAMES)).toEqual([{ field: 'ownerId', op: 'eq', value: id }]);
  });

  it.each([
    'password:x', // not a field
    'size:1', // a native name in the Appmixer dialect
    'constructor:x', // not fooled by Object.prototype
    'nothing',
    'length:>1e3',
    'length:-1',
    'length:~1',
    'filename:>a',
    'uploadDate:<tomorrow',
    'uploadDate:2025-13-45',
    'userId:1 OR 1=1',
    'filename:~',
    `filename:${'x'.repeat(1025)}`,
    Array.from({ length: 21 }, () => 'length:>1').join(','),
  ])('refuses %s', (filter) => badRequest(() => parseFilter(filter, APPMIXER_FIELD_NAMES)));
});

describe('parseSort', () => {
  it('reads field:1 / field:-1 keys in order', () => {
    expect(parseSort('filename:1,uploadDate:-1', APPMIXER_FIELD_NAMES)).toEqual([
      { field: 'filename', direction: 'ASC' },
      { field: 'createdAt', direction: 'DESC' },
    ]);
    expect(parseSort(undefined, APPMIXER_FIELD_NAMES)).toEqual([]);
  });

  it.each(['filename', 'filename:asc', 'filename:0', 'filename:1,filename:-1', 'f.id:1', 'filename:1 --', 'a:1,b:1,c:1,d:1,e:1,f:1'])(
    'refuses %s',
    (sort) => badRequest(() => parseSort(sort, APPMIXER_FIELD_NAMES)),
  );
});

describe('parseListQuery', () => {
  it('defaults the page to limit 100, offset 0', () => {
    expect(parseListQuery({}, APPMIXER_FIELD_NAMES)).toEqual({ filters: [], sort: [], limit: DEFAULT_LIST_LIMIT, offset: 0 });
    expect(parseListQuery({ limit: '1000', offset: '20' }, APPMIXER_FIELD_NAMES)).toMatchObject({ limit: MAX_LIST_LIMIT, offset: 20 });
  });

  it.each([
    { limit: '0' },
    { limit: '1001' },
    { limit: '-1' },
    { limit: '1.5' },
    { limit: 'all' },
    { offset: '-1' },
    { offset: '10000001' },
    { filter: ['a:1', 'b:2'] },
    { sort: { $gt: '' } },
  ])('refuses %j', (params) => badRequest(() => parseListQuery(params, APPMIXER_FIELD_NAMES)));
});
