/** Which public API a request speaks; decides the error shape it gets back. */
export type ApiDialect = 'molgenis' | 'appmixer' | 'hasura';

export function dialectOf(path: string): ApiDialect {
  if (path === '/v1/file' || path.startsWith('/v1/file/')) return 'hasura';
  if (path === '/files' || path.startsWith('/files/') || path.startsWith('/files?')) return 'appmixer';
  return 'molgenis';
}
