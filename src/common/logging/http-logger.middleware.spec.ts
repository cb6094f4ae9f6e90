import { describe, expect, it } from '@jest/globals';
import express from 'express';
import pino from 'pino';
import { Writable } from 'node:stream';
import request from 'supertest';
import { httpLogger } from './http-logger.middleware.js';
import { requestContext } from './request-context.js';

/** An express app behind the middleware, logging JSON lines into `lines`. */
function appLoggingTo(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const app = express();
  app.use(httpLogger(pino({ level }, sink)));
  app.get('/ok', (req, res) => res.json({ requestId: req.id, contextId: requestContext.getStore()?.requestId }));
  app.get('/missing', (_req, res) => res.status(404).end());
  app.get('/boom', (_req, res) => res.status(500).end());
  return { app, lines };
}

/** The access line is written on 'close', just after the response: wait for it. */
async function settled(lines: unknown[], count: number) {
  for (let i = 0; i < 50 && lines.length < count; i++) await new Promise((r) => setTimeout(r, 10));
}

describe('httpLogger', () => {
  it('echoes a sane X-Request-Id and makes it the request id and the log context', async () => {
    const { app, lines } = appLoggingTo('info');
    const res = await request(app).get('/ok').set('X-Request-Id', 'abc-123.x:y');
    expect(res.headers['x-request-id']).toBe('abc-123.x:y');
    expect(res.body).toEqual({ requestId: 'abc-123.x:y', contextId: 'abc-123.x:y' });
    await settled(lines, 1);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        reqId: 'abc-123.x:y',
        req: { method: 'GET', url: '/ok' },
        res: { statusCode: 200 },
        msg: 'request completed',
      }),
    ]);
    expect(typeof lines[0].responseTime).toBe('number');
  });

  it('replaces a missing or unsafe X-Request-Id with a fresh UUID', async () => {
    const { app } = appLoggingTo('info');
    const unsafe = await request(app).get('/ok').set('X-Request-Id', 'bad id\twith spaces');
    const missing = await request(app).get('/ok');
    for (const res of [unsafe, missing]) {
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect((res.body as { requestId?: string }).requestId).toBe(res.headers['x-request-id']);
    }
    expect(unsafe.headers['x-request-id']).not.toBe(missing.headers['x-request-id']);
  });

  it('logs 4xx as warn and 5xx as error, and nothing below the configured level', async () => {
    const { app, lines } = appLoggingTo('warn');
    await request(app).get('/ok');
    await request(app).get('/missing');
    await request(app).get('/boom');
    await settled(lines, 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.map((l) => [l.level, (l.res as { statusCode: number }).statusCode])).toEqual([
      [40, 404],
      [50, 500],
    ]);
  });
});
