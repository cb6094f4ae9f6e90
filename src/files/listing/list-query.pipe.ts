import { PipeTransform } from '@nestjs/common';
import { FieldNames } from './list-fields.js';
import { ListQuery } from './list-query.js';
import { parseListQuery, RawListParams } from './parse-list-query.js';

/** `@Query(new ListQueryPipe(names))`: the listing routes' filter, sort and paging, parsed and whitelisted (400 otherwise). */
export class ListQueryPipe implements PipeTransform<RawListParams, ListQuery> {
  constructor(private readonly names: FieldNames) {}

  transform(query: RawListParams): ListQuery {
    return parseListQuery(query, this.names);
  }
}
