import { badRequest } from '../../common/errors/domain-error.js';
import { FieldNames, LIST_FIELDS, ListFieldName } from './list-fields.js';
import { DEFAULT_LIST_LIMIT, FilterCondition, FilterOperator, ListQuery, MAX_LIST_LIMIT, MAX_LIST_OFFSET, SortKey } from './list-query.js';
import { isUuid } from '../../common/uuid.js';

/** The raw query-string values of a listing request (strings, or arrays when a parameter was repeated). */
export interface RawListParams {
  filter?: unknown;
  sort?: unknown;
  limit?: unknown;
  offset?: unknown;
}

const MAX_FILTERS = 20;
const MAX_SORT_KEYS = 5;
const MAX_VALUE_LENGTH = 1024;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/** A filter term starts with `name:`; a comma not followed by one belongs to the previous value. */
const TERM_START = /^[A-Za-z][A-Za-z0-9.]*:/;
const RANGE_OPS: [string, FilterOperator][] = [
  ['>=', 'gte'],
  ['<=', 'lte'],
  ['>', 'gt'],
  ['<', 'lt'],
];

/** One optional query parameter as a string; a repeated parameter is refused rather than guessed at. */
export function singleParam(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`Give '${name}' once, as a plain string.`);
  return value;
}

function resolveField(name: string, names: FieldNames): ListFieldName {
  const field = Object.hasOwn(names, name) ? names[name] : undefined;
  if (!field) throw badRequest(`'${name}' is not a field you can filter or sort on; use one of: ${Object.keys(names).join(', ')}.`);
  return field;
}

function typedValue(name: string, field: ListFieldName, raw: string): string | number | Date {
  switch (LIST_FIELDS[field].type) {
    case 'number':
      if (!/^\d{1,15}$/.test(raw)) throw badRequest(`'${name}' takes a whole number of bytes, not '${raw}'.`);
      return Number(raw);
    case 'date': {
      const date = new Date(raw);
      if (!ISO_DATE.test(raw) || Number.isNaN(date.getTime()))
        throw badRequest(`'${name}' takes an ISO 8601 date or time (e.g. 2025-01-01 or 2025-01-01T12:00:00Z), not '${raw}'.`);
      return date;
    }
    case 'string':
      if (field === 'ownerId' && !isUuid(raw)) throw badRequest(`'${name}' takes a user id (a UUID), not '${raw}'.`);
      return raw;
  }
}

function parseTerm(term: string, names: FieldNames): FilterCondition {
  const colon = term.indexOf(':');
  const name = term.slice(0, colon);
  const field = resolveField(name, names);
  let rest = term.slice(colon + 1);
  let op: FilterOperator = 'eq';
  if (rest.startsWith('~')) {
    if (!('substring' in LIST_FIELDS[field])) throw badRequest(`'${name}' does not support '~' (substring); use '${name}:value'.`);
    op = 'contains';
    rest = rest.slice(1);
    if (rest === '') throw badRequest(`'${name}:~' needs some text to look for.`);
  } else {
    const range = RANGE_OPS.find(([symbol]) => rest.startsWith(symbol));
    if (range) {
      if (LIST_FIELDS[field].type === 'string')
        throw badRequest(`'${name}' does not support '${range[0]}'; ranges work on sizes and dates.`);
      op = range[1];
      rest = rest.slice(range[0].length);
    }
  }
  // Checked for every operator, `~text` included: a long pattern costs the trigram index as much as a scan.
  if (rest.length > MAX_VALUE_LENGTH) throw badRequest(`The filter value for '${name}' is longer than ${MAX_VALUE_LENGTH} characters.`);
  return { field, op, value: op === 'contains' ? rest : typedValue(name, field, rest) };
}

/** `field:value`, `field:~text`, `field:>n` ... joined by commas (see docs/appmixer-api.md). Empty: no filter. */
export function parseFilter(raw: string | undefined, names: FieldNames): FilterCondition[] {
  if (raw === undefined || raw.trim() === '') return [];
  const terms: string[] = [];
  for (const piece of raw.split(',')) {
    if (terms.length > 0 && !TERM_START.test(piece)) terms[terms.length - 1] += `,${piece}`;
    else terms.push(piece);
  }
  if (!TERM_START.test(terms[0])) throw badRequest(`A filter is 'field:value' (or field:~text, field:>n); '${terms[0]}' is not.`);
  if (terms.length > MAX_FILTERS) throw badRequest(`At most ${MAX_FILTERS} filter terms.`);
  return terms.map((term) => parseTerm(term, names));
}

/** `field:1` or `field:-1`, several joined by commas. */
export function parseSort(raw: string | undefined, names: FieldNames): SortKey[] {
  if (raw === undefined || raw.trim() === '') return [];
  const keys = raw.split(',').map((part): SortKey => {
    const match = /^([A-Za-z][A-Za-z0-9.]*):(1|-1)$/.exec(part.trim());
    if (!match) throw badRequest(`A sort key is 'field:1' (ascending) or 'field:-1' (descending); '${part}' is not.`);
    return { field: resolveField(match[1], names), direction: match[2] === '1' ? 'ASC' : 'DESC' };
  });
  if (keys.length > MAX_SORT_KEYS) throw badRequest(`At most ${MAX_SORT_KEYS} sort keys.`);
  if (new Set(keys.map((k) => k.field)).size !== keys.length) throw badRequest('Each field may appear once in sort.');
  return keys;
}

function parseBoundedInt(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d{1,10}$/.test(raw.trim())) throw badRequest(`'${name}' must be a whole number from ${min} to ${max}, not '${raw}'.`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw badRequest(`'${name}' must be from ${min} to ${max}, not ${value}.`);
  return value;
}

/** A whole listing request: filter, sort and paging, each validated against the dialect's field names. */
export function parseListQuery(params: RawListParams, names: FieldNames): ListQuery {
  return {
    filters: parseFilter(singleParam('filter', params.filter), names),
    sort: parseSort(singleParam('sort', params.sort), names),
    limit: parseBoundedInt('limit', singleParam('limit', params.limit), DEFAULT_LIST_LIMIT, 1, MAX_LIST_LIMIT),
    offset: parseBoundedInt('offset', singleParam('offset', params.offset), 0, 0, MAX_LIST_OFFSET),
  };
}
