import { Ajv, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { NextFunction, Request, Response } from 'express';

/* The parts of an OpenAPI 3.0 document this validator reads. */
interface MediaType {
  schema?: object;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
}
interface Operation {
  responses: Record<string, ResponseObject>;
  security?: object[];
}
export interface OpenApiDocument {
  paths: Record<string, Partial<Record<string, Operation>>>;
  components?: Record<string, unknown>;
}

/** One response as the server sent it. */
export interface RecordedResponse {
  method: string;
  path: string;
  status: number;
  contentType?: string;
  body: Buffer;
}

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'];
const DOC_ID = 'openapi';

// ajv-formats is CommonJS: under ESM its function may sit on `default`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/** `#/components/...` refs of an inline schema, pointed at the document registered under DOC_ID. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema && typeof schema === 'object') {
    return Object.fromEntries(
      Object.entries(schema).map(([key, value]) => [
        key,
        key === '$ref' && typeof value === 'string' ? `${DOC_ID}${value}` : rebase(value),
      ]),
    );
  }
  return schema;
}

const essence = (contentType: string) => contentType.split(';')[0].trim().toLowerCase();
const isJson = (type: string) => type === 'application/json' || type.endsWith('+json');

/**
 * Checks real responses against the generated OpenAPI document: the route and status must be documented, the
 * media type among the status' content, and a JSON body must match its schema. Keeps what it saw, for coverage.
 */
export class OpenApiValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<object, ValidateFunction>();
  private readonly routes: { template: string; pattern: RegExp; params: number }[];
  /** `METHOD template status` of every response validated. */
  readonly seen = new Set<string>();
  readonly violations: string[] = [];

  constructor(readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    for (const format of ['binary', 'password', 'byte']) this.ajv.addFormat(format, true);
    this.ajv.addSchema({ $id: DOC_ID, components: document.components ?? {} });
    this.routes = Object.keys(document.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^/}]+\}/g, '[^/]+')}$`),
        params: (template.match(/\{/g) ?? []).length,
      }))
      // A literal segment wins over a parameter (`/files/count` before `/files/{fileId}`).
      .sort((a, b) => a.params - b.params);
  }

  /** Every `METHOD template status` the document declares. */
  documented(): string[] {
    const all: string[] = [];
    for (const [template, item] of Object.entries(this.document.paths)) {
      for (const method of METHODS) {
        const operation = item[method];
        if (operation) for (const status of Object.keys(operation.responses)) all.push(`${method.toUpperCase()} ${template} ${status}`);
      }
    }
    return all;
  }

  /** Validates one response; returns what is wrong with it (also kept in `violations`). */
  check(response: RecordedResponse): string[] {
    const problems = this.problemsOf(response);
    const where = `${response.method} ${response.path} → ${response.status}`;
    this.violations.push(...problems.map((problem) => `${where}: ${problem}`));
    return problems;
  }

  private problemsOf({ method, path, status, contentType, body }: RecordedResponse): string[] {
    const route = this.routes.find((candidate) => candidate.pattern.test(path));
    if (!route) return ['no such path in the document'];
    const operation = this.document.paths[route.template][method.toLowerCase()];
    if (!operation) return [`${method} is not documented on ${route.template}`];
    const declared = operation.responses[String(status)] ?? operation.responses[`${String(status)[0]}XX`] ?? operation.responses.default;
    if (!declared) return [`status ${status} is not documented for ${method} ${route.template}`];
    this.seen.add(`${method.toUpperCase()} ${route.template} ${status}`);
    // No body to check: HEAD, 204, 304 (and what the document says has none).
    if (method === 'HEAD' || status === 204 || status === 304) return [];
    if (!declared.content) return body.length > 0 ? [`a body (${contentType ?? 'no type'}) where the document declares none`] : [];
    if (!contentType) return body.length > 0 ? ['a body without Content-Type'] : [];
    const type = essence(contentType);
    const media = declared.content[type] ?? declared.content[`${type.split('/')[0]}/*`] ?? declared.content['*/*'] ?? undefined;
    if (!media) return [`media type ${type} is not among ${Object.keys(declared.content).join(', ')}`];
    if (!media.schema || !isJson(type)) return [];
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return [`the ${type} body is not JSON`];
    }
    const validate = this.validatorFor(media.schema);
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => `body${error.instancePath} ${error.message ?? 'is invalid'}`);
  }

  private validatorFor(schema: object): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(rebase(schema) as object);
      this.compiled.set(schema, validate);
    }
    return validate;
  }
}

/**
 * Express middleware that hands every response (status, type, body) to `sink` when it is finished; the OpenAPI
 * pages themselves are left out.
 */
export function recordResponses(sink: (response: RecordedResponse) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path.startsWith('/api/docs')) return next();
    const chunks: Buffer[] = [];
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    const keep = (chunk: unknown, encoding: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      chunks.push(
        Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'),
      );
    };
    res.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
      keep(chunk, encoding);
      return write(chunk, encoding, callback);
    }) as Response['write'];
    res.end = ((chunk?: unknown, encoding?: unknown, callback?: unknown) => {
      keep(chunk, encoding);
      return end(chunk, encoding, callback);
    }) as Response['end'];
    // 'close' too: a response whose socket closes as it ends (Connection: close) may never emit 'finish'.
    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      const type = res.getHeader('content-type');
      sink({
        method: req.method,
        path: req.path,
        status: res.statusCode,
        contentType: typeof type === 'string' ? type : undefined,
        body: Buffer.concat(chunks),
      });
    };
    res.once('finish', record).once('close', record);
    next();
  };
}
