import { isUnder, RoutePrefix } from '../routes.js';

/** Which public API a request speaks; decides the error shape it gets back. */
export type ApiDialect = 'molgenis' | 'appmixer' | 'hasura';

export function dialectOf(path: string): ApiDialect {
  if (isUnder(path, RoutePrefix.HasuraFiles)) return 'hasura';
  if (isUnder(path, RoutePrefix.AppmixerFiles) || path.startsWith(`/${RoutePrefix.AppmixerFiles}?`)) return 'appmixer';
  return 'molgenis';
}
