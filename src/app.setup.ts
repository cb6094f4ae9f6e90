import { INestApplication } from '@nestjs/common';
import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface.js';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, Response } from 'express';
import { buildOpenApiDocument, SWAGGER_UI_OPTIONS } from './common/openapi/openapi-document.js';
import { requestContext } from './common/logging/request-context.js';
import { AppConfig } from './config/app-config.js';
import { consoleHandler } from './console-static.js';
import { httpMetricsMiddleware } from './metrics/http-metrics.middleware.js';
import { MetricsService } from './metrics/metrics.service.js';
import { DrainService } from './health/drain.service.js';
import type { Server } from 'node:http';
import { isUnder, RoutePrefix } from './common/routes.js';

const isTusRoute = (req: Request): boolean => isUnder(req.path, RoutePrefix.TusUploads);

/** Routes whose body is the file itself (or tus' bytes, whatever the method): no parser may touch it. */
function isRawUploadRoute(req: Request): boolean {
  if (isTusRoute(req)) return true;
  return req.method === 'POST' && (req.path === `/${RoutePrefix.NativeFiles}` || isUnder(req.path, RoutePrefix.HasuraFiles));
}

/** As body-parser's own test: a request without Content-Length or Transfer-Encoding has no body to parse. */
const hasBody = (req: Request): boolean => req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;

/** Everything main.ts and the e2e tests share about how the HTTP app is put together. */
/**
 * Timeouts of the HTTP server. No cap on a whole request (large files take long), but a connection that moves no
 * byte for REQUEST_IDLE_TIMEOUT_SECONDS is dropped (a stalled body fails its upload, which cleans up), and headers
 * must be complete within HEADERS_TIMEOUT_SECONDS. Node enforces the latter only when it checks its connections,
 * every `connectionsCheckingInterval` (30 s by default, read when the server starts listening).
 */
export function configureServerTimeouts(server: Server, config: AppConfig): void {
  const headersMs = config.http.headersTimeoutSeconds * 1000;
  server.requestTimeout = 0;
  server.headersTimeout = headersMs;
  // A plain property (missing from @types/node), read when listening starts: set before listen().
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(250, Math.min(5000, headersMs / 4));
  server.setTimeout(config.http.idleTimeoutSeconds * 1000);
}

export function configureApp(app: NestExpressApplication, config: AppConfig): INestApplication {
  configureServerTimeouts(app.getHttpServer(), config);
  // Before anything else: a draining instance refuses new requests and knows which are still in flight.
  app.use(app.get(DrainService).middleware);
  // First, so that every request is counted and timed; not installed at all when metrics are off.
  const metrics = app.get(MetricsService);
  if (metrics.enabled) app.use(httpMetricsMiddleware(metrics));
  const json = express.json({ limit: config.http.jsonBodyLimit });
  // Body parsing is off in NestFactory.create: JSON is parsed here for every route but the raw uploads.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (hasBody(req)) return isRawUploadRoute(req) ? next() : json(req, res, next);
    // Nothing to read, but an unread request makes Node's server add an 'end' listener to it when the response
    // finishes, which showed in the metadata GET's profile: read the empty body now.
    req.resume();
    next();
  });
  app.set('trust proxy', config.http.trustProxy);
  // The request in the context (main.ts's access log opens it; the tests' apps have none): the audit trail reads the
  // caller and the client address from it.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const context = requestContext.getStore();
    if (context) {
      context.request = req;
      next();
    } else requestContext.run({ requestId: typeof req.id === 'string' ? req.id : '', request: req }, next);
  });
  const webConsole = consoleHandler(config.console.dir);
  if (webConsole) app.use(webConsole);
  app.set('x-powered-by', false);
  // /V1/FILE must not reach the Hasura routes while being treated as another dialect by the error filter.
  app.set('case sensitive routing', true);
  // SIGTERM: DrainService lets requests in flight finish, Nest closes the rest; then exit 0 (a planned stop).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  if (config.http.corsOrigins.length > 0) {
    const cors: CorsOptions = {
      origin: config.http.corsOrigins.includes('*') ? true : config.http.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
      // What browser clients of the three APIs send and need to read back.
      exposedHeaders: [
        'Location',
        'Content-Disposition',
        'Content-Range',
        'Content-Length',
        'Accept-Ranges',
        'ETag',
        'Last-Modified',
        'X-Request-Id',
        'WWW-Authenticate',
        'X-Count-Exact',
        'Retry-After',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
        // tus (/api/uploads)
        'Upload-Offset',
        'Upload-Length',
        'Upload-Metadata',
        'Upload-Expires',
        'Tus-Resumable',
        'Tus-Version',
        'Tus-Extension',
        'Tus-Max-Size',
        'Stowage-File-Id',
      ],
      maxAge: 600,
    };
    // The cors middleware answers every OPTIONS as a preflight; tus discovery (an OPTIONS that is not one) goes on to
    // the tus route instead.
    app.enableCors((req: Request, callback: (error: Error | null, options: CorsOptions) => void) =>
      callback(
        null,
        req.method === 'OPTIONS' && isTusRoute(req) && !req.headers['access-control-request-method'] ? { origin: false } : cors,
      ),
    );
  }

  SwaggerModule.setup('api/docs', app, buildOpenApiDocument(app, config), SWAGGER_UI_OPTIONS);
  return app;
}
