import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/**
 * A real HTTP receiver of webhooks on 127.0.0.1: it keeps every POST it gets and answers `status` (200 unless told),
 * after `delayMs`. `stop()` closes it (connections refused) and `start()` opens it again on the same port, so a test
 * can take a receiver down and bring it back.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  status = 200;
  delayMs = 0;
  private server?: Server;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** Reserves a port without listening on it: the receiver starts "down". */
  async reservePort(): Promise<this> {
    await this.start();
    await this.stop();
    return this;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() });
        setTimeout(() => res.writeHead(this.status, { 'content-type': 'text/plain' }).end('ok'), this.delayMs);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The received webhooks of one event type. */
  ofEvent(event: string): ReceivedWebhook[] {
    return this.received.filter((hook) => hook.headers['stowage-event'] === event);
  }
}

/** The receiver's side of Stowage-Signature, written independently of the service's code (as docs/webhooks.md shows it). */
export function signatureVerifies(secret: string, hook: ReceivedWebhook, toleranceSeconds = 300): boolean {
  const header = String(hook.headers['stowage-signature'] ?? '');
  const fields = Object.fromEntries(header.split(',').map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)]));
  const t = Number(fields.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds || !fields.v1) return false;
  const expected = createHmac('sha256', secret).update(`${fields.t}.${hook.body}`).digest();
  const given = Buffer.from(fields.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Polls `check` until it stops throwing (or `timeoutMs` passes, then its last error is thrown). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}
