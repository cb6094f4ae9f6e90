import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where the APIs and the service's own endpoints live: the console never answers under these. */
const RESERVED = /^\/(api|files|v1|health|metrics)(\/|$)/;

/** The built console's page may load only what the service itself serves: no CDN, no inline script. */
const PAGE_HEADERS = {
  'Cache-Control': 'no-cache',
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
};

/**
 * The web console (console/, built by `npm run build` into `dir`) at `/`: its files, and its page for any other path
 * a browser asks for (the console routes in the browser). Undefined when `dir` holds no build: then `/` stays a 404.
 */
export function consoleHandler(dir: string): RequestHandler | undefined {
  const page = join(dir, 'index.html');
  if (!existsSync(page)) return undefined;
  // Vite names assets by their content hash: they never change under a name.
  const assets = express.static(dir, { index: false, immutable: true, maxAge: '365d', fallthrough: true });
  return (req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || RESERVED.test(req.path)) return next();
    if (req.path.startsWith('/assets/')) {
      assets(req, res, next);
      return;
    }
    // Anything else is a page of the single-page app.
    res.sendFile(page, { headers: PAGE_HEADERS }, (error?: Error) => error && next(error));
  };
}
