/**
 * Request headers and typed response bodies for the e2e specs. supertest types every body as `any`; the specs read
 * bodies through `bodyOf<Shape>(res)` instead. The shapes are only types: the assertions check the values.
 */

/** The Authorization header for a bearer credential (a JWT or an API token). */
export const auth = (token: string): { Authorization: string } => ({ Authorization: `Bearer ${token}` });

/** The parsed JSON body of a response, as the shape the test expects it to have. */
export const bodyOf = <T>(res: { body: unknown }): T => res.body as T;

/** MOLGENIS file metadata (/api/files). */
export interface MolgenisFile {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  md5: string | null;
  createdAt: string;
  owner: string | null;
  url: string;
  /** In listings: whether the caller sees the file through a grant. */
  shared?: boolean;
}

/** A page of a native listing (/api/files, /api/users, /api/tokens). */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** Appmixer file metadata (/files). */
export interface AppmixerFile {
  fileId: string;
  filename: string;
  contentType: string;
  length: number;
  chunkSize: number;
  md5: string | null;
  uploadDate: string;
  metadata: { userId: string | null };
}

/** The Hasura filestore's file record (/v1/file). */
export interface HasuraFile {
  file_id: string;
  content_type: string;
  file_status: string;
  file_size: number;
  user_id: string | number;
  user_role: string;
  created_at: string;
}

/** The native error body: RFC 9457 problem details plus MOLGENIS' `errors[]`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  errors: { code: string; message: string }[];
}

/** The Appmixer error body: Boom's `{statusCode, error, message}`. */
export interface BoomError {
  statusCode: number;
  error: string;
  message: string;
  code: string;
}

/** The Hasura filestore's error body: `{path, error}` for request errors, `{error}` for the rest. */
export interface HasuraError {
  path?: string;
  error: string;
  code: string;
}

/** POST /api/auth/login. */
export interface TokenResponse {
  token: string;
  tokenType: string;
  expiresIn: number;
}

/** GET /api/auth/me. */
export interface Me {
  id: string;
  username: string;
  roles: string[];
  permissions: string[];
  /** Only when called with an API token: its effective scopes. */
  scopes?: string[];
}

/** /api/users. */
export interface User {
  id: string;
  username: string;
  roles: string[];
  createdAt: string;
}

/** /api/tokens, as listed. */
export interface ApiToken {
  id: string;
  description: string;
  scopes: string[];
  expiresAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

/** POST /api/tokens: the secret, shown once. */
export interface CreatedApiToken {
  id: string;
  token: string;
  description: string;
  scopes: string[];
  expiresAt: string | null;
  createdAt: string;
}

/** /api/files/{id}/permissions: a grant to a user or to a role. */
export interface FileGrant {
  id: string;
  fileId: string;
  userId?: string;
  username?: string;
  role?: string;
  permission: string;
  createdBy: string | null;
  createdAt: string;
}

/** GET /files/count. */
export interface Count {
  count: number;
}

/** DELETE /files. */
export interface Deleted {
  deletedCount: number;
}

/** GET /health (terminus). */
export interface Health {
  status: string;
  info: Record<string, { status: string }>;
}

/** The slice of the OpenAPI document (/api/docs-json) the specs look at. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, { required: string[] }> };
}

export interface OpenApiOperation {
  parameters: { name: string; in: string }[];
  requestBody: { content: Record<string, unknown> };
  responses: Record<
    string,
    { description: string; headers: Record<string, { schema: unknown }>; content: Record<string, { schema: { $ref: string } }> }
  >;
}
