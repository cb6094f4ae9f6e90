import { STATUS_CODES } from 'node:http';
import { ApiDialect } from './api-dialect.js';
import { ApiError } from './to-api-error.js';

export interface RenderedError {
  contentType: string;
  body: Record<string, unknown>;
}

/** The error body each API's clients expect. */
export function renderError(dialect: ApiDialect, error: ApiError, context: { path: string; requestId?: string }): RenderedError {
  const title = STATUS_CODES[error.status] ?? 'Error';
  switch (dialect) {
    case 'hasura':
      // Hasura filestore: `{path, error}` for request errors, `{error}` for the rest.
      return {
        contentType: 'application/json',
        body: [400, 409, 413, 415, 416].includes(error.status)
          ? { path: '$', error: error.message, code: error.code }
          : { error: error.message, code: error.code },
      };
    case 'appmixer':
      // Appmixer runs on hapi: Boom's `{statusCode, error, message}`.
      return {
        contentType: 'application/json',
        body: { statusCode: error.status, error: title, message: error.message, code: error.code },
      };
    case 'molgenis':
      // RFC 9457 problem details, plus MOLGENIS' own `errors[]` so its clients find the message where they look.
      return {
        contentType: 'application/problem+json',
        body: {
          type: 'about:blank',
          title,
          status: error.status,
          detail: error.message,
          code: error.code,
          instance: context.path,
          ...(context.requestId ? { requestId: context.requestId } : {}),
          errors: [{ code: error.code, message: error.message }],
        },
      };
  }
}
