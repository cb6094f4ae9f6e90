import { Injectable, Logger } from '@nestjs/common';
import { Server } from '@tus/server';
import type { Request, Response } from 'express';
import { NodeRequest, sendNodeResponse } from 'srvx/node';
import { toApiError } from '../../common/errors/to-api-error.js';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { newStorageKey } from '../../storage/storage-key.js';
import { PgAdvisoryLocker } from './pg-advisory-locker.js';
import { StowageTusStore } from './stowage-tus-store.js';
import { isTusAnswer } from './tus-errors.js';
import { TusBackend } from './tus-backend.js';
import { TusRequestContext, tusRequests } from './tus-request-context.js';
import { TusUploadsService } from './tus-uploads.service.js';
import { RoutePrefix } from '../../common/routes.js';

export const UPLOADS_PATH = `/${RoutePrefix.TusUploads}`;
/** Names the file a finished upload became, on the final PATCH (or POST) and on every HEAD afterwards. */
export const FILE_ID_HEADER = 'Stowage-File-Id';

/**
 * @tus/server, configured for Stowage and driven by TusController (so the global guards have run). Responses keep
 * tus' plain-text bodies; CORS is left to the app's CORS middleware, like every other route's.
 */
@Injectable()
export class TusServer {
  private readonly logger = new Logger(TusServer.name);
  private readonly server: Server;

  constructor(backend: TusBackend, uploads: TusUploadsService, locker: PgAdvisoryLocker, config: AppConfig, metrics: MetricsService) {
    this.server = new Server({
      path: UPLOADS_PATH,
      datastore: new StowageTusStore(backend, uploads, config.uploads.expirySeconds * 1000, metrics),
      locker,
      // Resolved by clients against the URL they posted to: right behind any proxy, with no host to trust.
      relativeLocation: true,
      maxSize: config.uploads.maxBytes,
      // A storage key: the finished upload's object is named by it (see TusBackend.assemble).
      namingFunction: () => newStorageKey(),
      // tus takes the last segment of the whole URL, query included; the id is the last segment of the path.
      getFileIdFromRequest: (req) => new URL(req.url).pathname.split('/').pop(),
      // A finished upload is a file: deleted through the files API, not by terminating its upload.
      disableTerminationForFinishedUploads: true,
      onResponseError: (_req, error) => this.toTusError(error),
    });
  }

  /** Serves one tus request within `context`, adding Stowage's headers to tus' answer. */
  async handle(req: Request, res: Response, context: TusRequestContext): Promise<void> {
    const response = await tusRequests.run(context, () => this.server.handleWeb(new NodeRequest({ req, res })));
    for (const name of [...response.headers.keys()]) if (name.startsWith('access-control-')) response.headers.delete(name);
    if (context.fileId && response.status < 300) response.headers.set(FILE_ID_HEADER, context.fileId);
    if (response.status === 503) response.headers.set('Retry-After', '5');
    await sendNodeResponse(res, response);
  }

  /** Stowage's errors get their status and message (never a stack or an internal detail); tus' own pass as they are. */
  private toTusError(error: unknown): { status_code: number; body: string } | undefined {
    if (isTusAnswer(error)) return undefined;
    const failure = toApiError(error);
    if (failure.status >= 500) this.logger.error({ err: failure.cause ?? error }, `A resumable upload request failed: ${failure.code}`);
    return { status_code: failure.status, body: `${failure.message}\n` };
  }
}
