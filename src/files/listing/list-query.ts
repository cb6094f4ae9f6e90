import { ListFieldName } from './list-fields.js';

export type FilterOperator = 'eq' | 'contains' | 'gt' | 'lt' | 'gte' | 'lte';

/** One validated condition; `value` already has the field's type (string, number or Date). */
export interface FilterCondition {
  field: ListFieldName;
  op: FilterOperator;
  value: string | number | Date;
}

export interface SortKey {
  field: ListFieldName;
  direction: 'ASC' | 'DESC';
}

/** A listing request, parsed and whitelisted: nothing in it is a raw user string bound for SQL text. */
export interface ListQuery {
  filters: FilterCondition[];
  sort: SortKey[];
  limit: number;
  offset: number;
}

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;
/** Deep offsets scan and discard rows; past this, narrow the filter instead. */
export const MAX_LIST_OFFSET = 10_000_000;
