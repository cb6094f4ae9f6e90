/**
 * The path prefixes of the APIs whose routes something outside their controller must recognise: the raw-body
 * uploads (no body parser may touch them, app.setup.ts) and the error dialect (dialectOf). One place, so that a
 * controller's `@Controller(...)` and those checks cannot drift apart.
 */
export const RoutePrefix = {
  /** The native MOLGENIS-style Files API. */
  NativeFiles: 'api/files',
  /** The Appmixer Files API. */
  AppmixerFiles: 'files',
  /** The Hasura filestore API. */
  HasuraFiles: 'v1/file',
  /** tus resumable uploads. */
  TusUploads: 'api/uploads',
} as const;

/** Whether the request path (no query string) is `prefix` itself or below it. */
export const isUnder = (path: string, prefix: string): boolean => path === `/${prefix}` || path.startsWith(`/${prefix}/`);
