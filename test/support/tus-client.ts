import { Readable } from 'node:stream';
import { auth } from './http.js';
import { DefaultHttpStack, DetailedError, HttpRequest, HttpResponse, HttpStack, Upload, UploadOptions } from 'tus-js-client';

/** What a finished tus-js-client upload reports, plus every request it made (method, Upload-Offset, status). */
export interface TusResult {
  url: string;
  fileId: string | undefined;
  requests: TusExchange[];
}

export interface TusExchange {
  method: string;
  url: string;
  offset: number | undefined;
  status: number;
}

/** Records each request tus-js-client makes and the status it got. */
function recorder(requests: TusExchange[]): Pick<UploadOptions, 'onAfterResponse'> {
  return {
    onAfterResponse: (req: HttpRequest, res: HttpResponse) => {
      const offset = req.getHeader('Upload-Offset');
      requests.push({
        method: req.getMethod(),
        url: req.getURL(),
        offset: offset === undefined ? undefined : Number(offset),
        status: res.getStatus(),
      });
    },
  };
}

/**
 * Uploads `source` with the real tus-js-client (Node build) and resolves once it reports success. `options` go to
 * tus-js-client as they are (`uploadUrl` resumes an existing upload, `httpStack` shapes the traffic).
 */
export function tusUpload(endpointBase: string, token: string, source: Buffer | Readable, options: UploadOptions = {}): Promise<TusResult> {
  const requests: TusExchange[] = [];
  return new Promise((resolve, reject) => {
    const upload = new Upload(source, {
      endpoint: `${endpointBase}/api/uploads`,
      headers: auth(token),
      // Tests say what went wrong at once rather than after tus-js-client's default back-off.
      retryDelays: [],
      ...recorder(requests),
      ...options,
      onError: (error) => reject(error),
      onSuccess: ({ lastResponse }) =>
        resolve({ url: upload.url!, fileId: lastResponse.getHeader('Stowage-File-Id') ?? undefined, requests }),
    });
    upload.start();
  });
}

/** The status of a tus-js-client failure (a DetailedError carries the response it got). */
export function statusOf(error: unknown): number | undefined {
  return error instanceof DetailedError ? error.originalResponse?.getStatus() : undefined;
}

/**
 * An HttpStack that lets a PATCH body through up to `gate.pauseAfter` bytes, then holds the rest back until the test
 * calls `gate.release()` (or cuts the upload off meanwhile): the request is in flight, with a known amount sent.
 */
export class GatedHttpStack implements HttpStack {
  private readonly inner = new DefaultHttpStack({});
  private opened!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.opened = resolve));
  /** Resolves once `pauseAfter` bytes of a PATCH body have been handed to the socket. */
  readonly paused: Promise<void>;
  private reachedPause!: () => void;

  constructor(private readonly pauseAfter: number) {
    this.paused = new Promise((resolve) => (this.reachedPause = resolve));
  }

  release(): void {
    this.opened();
  }

  createRequest(method: string, url: string): HttpRequest {
    const request = this.inner.createRequest(method, url);
    if (method !== 'PATCH') return request;
    const send = request.send.bind(request);
    request.send = (body?: unknown) => send(this.gated(body as Buffer));
    return request;
  }

  getName(): string {
    return 'GatedHttpStack';
  }

  private gated(body: Buffer): Readable {
    const { pauseAfter, gate } = this;
    const reached = this.reachedPause;
    const stream = Readable.from(
      (async function* () {
        const head = Math.min(pauseAfter, body.length);
        for (let at = 0; at < head; at += 64 * 1024) yield body.subarray(at, Math.min(at + 64 * 1024, head));
        reached();
        await gate;
        for (let at = head; at < body.length; at += 64 * 1024) yield body.subarray(at, Math.min(at + 64 * 1024, body.length));
      })(),
      { objectMode: false },
    );
    // tus-js-client's Node stack sets Content-Length from `size`.
    return Object.assign(stream, { size: body.length });
  }
}
