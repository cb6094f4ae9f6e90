import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Test } from 'supertest';
import { StorageProvider } from '../src/storage/storage-provider.js';
import { auth, bodyOf, MolgenisFile } from './support/http.js';
import { startTcpProxy, TcpProxy } from './support/tcp-proxy.js';
import { quietLogs } from './support/test-logger.js';
import { ADMIN, startTestApp, TestApp, testRedisUrl } from './support/test-app.js';

const MAX_UPLOAD_BYTES = 4096;
const METRICS_TOKEN = randomBytes(16).toString('hex');

/**
 * Documented answers no test produces yet, each with why. The coverage check fails on any other documented status no
 * test produced, and on any of these once one is produced (so the list only shrinks).
 */
const NOT_PRODUCED: Record<string, string> = {
  'POST /api/uploads 423': 'tus lock contention: two requests on one upload at the same instant',
  'HEAD /api/uploads/{id} 423': 'tus lock contention',
  'PATCH /api/uploads/{id} 423': 'tus lock contention',
  'DELETE /api/uploads/{id} 423': 'tus lock contention',
  'PATCH /api/uploads/{id} 507': 'a full disk under a PATCH (the quota refuses at creation)',
  'POST /files 404': 'a chunked upload that expires or completes between its session check and the chunk',
  'HEAD /api/uploads/{id} 410': 'an expired upload the sweeper has not removed yet: tus answers 404 once its store forgot it',
  'PATCH /api/uploads/{id} 410': 'as for HEAD',
};

/** A request with a Content-Length no client library would send (17 digits), answered before any byte. */
function hugeContentLength(url: string, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, url),
      { method: 'POST', headers: { ...auth(token), 'Content-Length': '12345678901234567' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    req.flushHeaders();
  });
}

type Method = 'get' | 'head' | 'post' | 'patch' | 'delete' | 'options';
const proxyTo = (url: string) => {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port) };
};

describe('the OpenAPI document against the real responses', () => {
  let t: TestApp;
  let redis: TcpProxy;
  let editor: { id: string; token: string };
  let viewer: { id: string; token: string };
  let capped: { id: string; token: string };

  const call = (method: Method, path: string, token?: string, app: TestApp = t): Test => {
    const req = app.http()[method](path);
    return token ? req.set(auth(token)) : req;
  };
  const nativeUpload = async (token: string, body = 'hello, stowage\n') =>
    bodyOf<MolgenisFile>(
      await call('post', '/api/files', token).set('Content-Type', 'text/plain').set('x-molgenis-filename', 'a.txt').send(body).expect(201),
    );
  const tusCreate = (token: string, length: number) =>
    call('post', '/api/uploads', token).set('Tus-Resumable', '1.0.0').set('Upload-Length', String(length));

  beforeAll(async () => {
    redis = await startTcpProxy(proxyTo(testRedisUrl()));
    t = await startTestApp(
      {
        MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
        METRICS_TOKEN,
        RATE_LIMIT_PER_MINUTE: '100000',
        REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      },
      { realDatabase: true, validateResponses: true },
    );
    [editor, viewer, capped] = await Promise.all([t.createUser(['editor']), t.createUser(['viewer']), t.createUser(['editor'])]);
    await call('patch', `/api/users/${capped.id}`, t.adminToken).send({ quotaBytes: 0 }).expect(200);
  });
  let database: TcpProxy | undefined;
  afterAll(async () => {
    await t?.close();
    await redis?.close();
    await database?.close();
  });

  it('passes redocly lint with its recommended rules', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stowage-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(t.openapi!.document));
      const { stdout } = await promisify(execFile)('npx', ['redocly', 'lint', '--format=summary', file], { cwd: process.cwd() });
      expect(stdout).not.toMatch(/error/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('offers both security schemes on every authenticated route, and pre-fills no parameter', () => {
    for (const [path, item] of Object.entries(t.openapi!.document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const op = operation as {
          security?: object[];
          parameters?: { name: string; in: string; example?: unknown; schema?: { default?: unknown } }[];
        };
        // /metrics takes METRICS_TOKEN, the console's token sign-in an Authorization header only: Bearer alone.
        if (op.security?.length && path !== '/metrics' && path !== '/api/auth/session/token')
          expect([method, path, op.security]).toEqual([method, path, [{ bearer: [] }, { 'x-molgenis-token': [] }]]);
        for (const parameter of op.parameters ?? []) {
          expect([path, parameter.name, parameter.example]).toEqual([path, parameter.name, undefined]);
          expect(parameter.in === 'header' && ['content-type', 'content-length'].includes(parameter.name.toLowerCase())).toBe(false);
        }
      }
    }
  });

  it('native files: upload, metadata, download, ranges, conditions, listing, delete', async () => {
    const file = await nativeUpload(editor.token);
    const path = `/api/files/${file.id}`;
    await call('get', path, editor.token).expect(200);
    await call('get', `${path}?alt=media`, editor.token)
      .expect(200)
      .expect('Content-Type', /text\/plain/);
    await call('get', `${path}?alt=media`, editor.token).set('Range', 'bytes=0-3').expect(206);
    await call('get', `${path}?alt=media`, editor.token).set('Range', 'bytes=9999-').expect(416);
    await call('get', `${path}?alt=media`, editor.token).set('If-None-Match', '*').expect(304);
    await call('get', `${path}?alt=media`, editor.token).set('If-Match', '"nope"').expect(412);
    await call('get', `${path}?alt=odd`, editor.token).expect(400);
    await call('get', path, viewer.token).expect(403);
    await call('get', '/api/files', viewer.token).expect(200);
    await call('get', '/api/files/no-such-file', editor.token).expect(404);
    for (const [headers, status] of [
      [{}, 200],
      [{ Range: 'bytes=0-3' }, 206],
      [{ Range: 'bytes=9999-' }, 416],
      [{ 'If-None-Match': '*' }, 304],
      [{ 'If-Match': '"nope"' }, 412],
    ] as const) {
      await call('head', `${path}?alt=media`, editor.token).set(headers).expect(status);
    }
    await call('head', `${path}?alt=odd`, editor.token).expect(400);
    await call('head', '/api/files/no-such-file', editor.token).expect(404);
    await call('get', '/api/files', editor.token).expect(200);
    await call('get', '/api/files?limit=0', editor.token).expect(400);
    await call('post', '/api/files', editor.token).set('Content-Type', 'multipart/form-data; boundary=x').send('--x--').expect(415);
    await call('post', '/api/files', editor.token)
      .send(Buffer.alloc(MAX_UPLOAD_BYTES + 1))
      .expect(413);
    await call('post', '/api/files', capped.token).send(Buffer.from('x')).expect(507);
    expect(await hugeContentLength(t.url, '/api/files', editor.token)).toBe(400);
    await call('post', '/api/files', viewer.token).send('x').expect(403);
    await call('delete', path, viewer.token).expect(403);
    await call('delete', '/api/files/no-such-file', editor.token).expect(404);
    await call('delete', path, editor.token).expect(204);
  });

  it('Appmixer files: chunked and whole uploads, listing, count, metadata, deletes', async () => {
    const part = (req: Test, name = 'a.txt', body = 'hello\n') =>
      req.attach('file', Buffer.from(body), { filename: name, contentType: 'text/plain' });
    const file = bodyOf<{ fileId: string }>(await part(call('post', '/files', editor.token)).expect(200));
    await part(call('post', '/files', editor.token).set('uploader-chunks-total', '0')).expect(400);
    const chunked = bodyOf<{ fileId: string }>(
      await part(call('post', '/files', editor.token).set('uploader-chunks-total', '2').set('uploader-chunk-number', '0')).expect(200),
    );
    // Chunk 0 again, with other bytes.
    await part(
      call('post', '/files', editor.token)
        .set('uploader-chunks-total', '2')
        .set('uploader-chunk-number', '0')
        .set('uploader-file-id', chunked.fileId),
      'a.txt',
      'other\n',
    ).expect(409);
    await part(call('post', '/files', viewer.token).set('uploader-file-id', chunked.fileId)).expect(403);
    await part(call('post', '/files', editor.token), 'big.bin', 'x'.repeat(MAX_UPLOAD_BYTES + 1)).expect(413);
    await part(call('post', '/files', capped.token)).expect(507);
    await call('post', '/files', editor.token).set('Content-Type', 'text/plain').send('x').expect(415);
    await call('get', '/files?sort=filename:1&projection=filename,length', editor.token).expect(200);
    await call('get', '/files?limit=x', editor.token).expect(400);
    await call('get', '/files/count?filter=length:>=0', editor.token).expect(200);
    await call('get', '/files/count?filter=bogus:1', editor.token).expect(400);
    await call('get', `/files/metadata/${file.fileId}`, editor.token).expect(200);
    await call('get', '/files/metadata/no-such-file', editor.token).expect(404);
    await call('delete', '/files/no-such-file', editor.token).expect(404);
    await call('delete', `/files/${file.fileId}`, editor.token).expect(200);
    await call('delete', '/files', editor.token).expect(400);
    await call('delete', '/files?filter=filename:~nothing-like-this', editor.token).expect(200);
  });

  it('Hasura filestore: uploads with and without an id, downloads, ranges, conditions, delete', async () => {
    const raw = (req: Test) => req.set('Content-Type', 'text/plain').send('hello, filestore\n');
    const made = bodyOf<{ file_id: string }>(await raw(call('post', '/v1/file', editor.token)).expect(200));
    const id = `doc-${randomBytes(4).toString('hex')}`;
    await raw(call('post', `/v1/file/${id}`, editor.token)).expect(200);
    await raw(call('post', `/v1/file/${id}`, editor.token)).expect(409);
    await raw(call('post', '/v1/file/-bad', editor.token)).expect(400);
    await raw(call('post', '/v1/file', viewer.token)).expect(403);
    await raw(call('post', `/v1/file/${id}x`, viewer.token)).expect(403);
    for (const path of ['/v1/file', `/v1/file/${id}-big`]) {
      await call('post', path, editor.token)
        .send(Buffer.alloc(MAX_UPLOAD_BYTES + 1))
        .expect(413);
      await call('post', path, editor.token).set('Content-Type', 'multipart/form-data; boundary=x').send('--x--').expect(415);
      await raw(call('post', path === '/v1/file' ? path : `/v1/file/${id}-capped`, capped.token)).expect(507);
    }
    for (const method of ['get', 'head'] as const) {
      const path = `/v1/file/${made.file_id}`;
      await call(method, path, editor.token).expect(200);
      await call(method, path, editor.token).set('Range', 'bytes=0-3').expect(206);
      await call(method, path, editor.token).set('Range', 'bytes=9999-').expect(416);
      await call(method, path, editor.token).set('If-None-Match', '*').expect(304);
      await call(method, path, editor.token).set('If-Match', '"nope"').expect(412);
      await call(method, '/v1/file/no-such-file', editor.token).expect(404);
    }
    await call('delete', '/v1/file/no-such-file', editor.token).expect(404);
    await call('delete', `/v1/file/${id}`, viewer.token).expect(403);
    await call('delete', `/v1/file/${id}`, editor.token).expect(200);
  });

  it('sharing: grant, list, revoke', async () => {
    const file = await nativeUpload(editor.token);
    const path = `/api/files/${file.id}/permissions`;
    const grant = bodyOf<{ id: string }>(await call('post', path, editor.token).send({ role: 'viewer', permission: 'READ' }).expect(201));
    await call('post', path, editor.token).send({ role: 'nobody' }).expect(400);
    await call('post', '/api/files/no-such-file/permissions', editor.token).send({ role: 'viewer', permission: 'READ' }).expect(404);
    await call('get', path, editor.token).expect(200);
    await call('get', '/api/files/no-such-file/permissions', editor.token).expect(404);
    await call('delete', `${path}/no-such-grant`, editor.token).expect(404);
    await call('delete', `${path}/${grant.id}`, editor.token).expect(204);
  });

  it('tus: discovery, create, offset, patch, terminate, and their refusals', async () => {
    await call('options', '/api/uploads').set('Tus-Resumable', '1.0.0').expect(204);
    const created = await tusCreate(editor.token, 10).expect(201);
    const upload = created.headers.location;
    await call('head', upload, editor.token).set('Tus-Resumable', '1.0.0').expect(200);
    await call('head', upload, editor.token).expect(412);
    await call('head', upload, viewer.token).set('Tus-Resumable', '1.0.0').expect(403);
    await call('head', '/api/uploads/no-such-upload', editor.token).set('Tus-Resumable', '1.0.0').expect(404);
    const patch = (token: string, offset: number, body: string, path = upload) =>
      call('patch', path, token)
        .set('Tus-Resumable', '1.0.0')
        .set('Upload-Offset', String(offset))
        .set('Content-Type', 'application/offset+octet-stream')
        .send(body);
    await patch(editor.token, 0, 'hello').expect(204);
    await patch(editor.token, 0, 'hello').expect(409);
    await patch(editor.token, 5, 'far too many bytes').expect(413);
    await call('patch', upload, editor.token)
      .set('Tus-Resumable', '1.0.0')
      .set('Upload-Offset', '5')
      .set('Content-Type', 'text/plain')
      .send('x')
      .expect(400);
    await call('patch', upload, editor.token)
      .set('Tus-Resumable', '1.0.0')
      .set('Content-Type', 'application/offset+octet-stream')
      .send('x')
      .expect(403);
    await patch(editor.token, 5, 'x').unset('Tus-Resumable').expect(412);
    await patch(viewer.token, 5, 'x').expect(403);
    await patch(editor.token, 5, 'x', '/api/uploads/no-such-upload').expect(404);
    await call('delete', upload, editor.token).expect(412);
    await call('delete', upload, viewer.token).set('Tus-Resumable', '1.0.0').expect(403);
    await call('delete', '/api/uploads/no-such-upload', editor.token).set('Tus-Resumable', '1.0.0').expect(404);
    await call('delete', upload, editor.token).set('Tus-Resumable', '1.0.0').expect(204);
    const done = (await tusCreate(editor.token, 2).set('Content-Type', 'application/offset+octet-stream').send('ok').expect(201)).headers
      .location;
    await call('delete', done, editor.token).set('Tus-Resumable', '1.0.0').expect(400);
    await call('post', '/api/uploads', editor.token).set('Tus-Resumable', '1.0.0').expect(400);
    await call('post', '/api/uploads', editor.token).set('Upload-Length', '1').expect(412);
    await call('post', '/api/uploads', editor.token).set('Tus-Resumable', '1.0.0').set('Upload-Defer-Length', '1').expect(501);
    await tusCreate(editor.token, MAX_UPLOAD_BYTES + 1).expect(413);
    await tusCreate(viewer.token, 1).expect(403);
    await tusCreate(capped.token, 1).expect(507);
  });

  it('auth, users, tokens, metrics, health', async () => {
    await call('post', '/api/auth/login').send({ username: 'admin' }).expect(400);
    await call('post', '/api/auth/login').send({ username: 'admin', password: 'not the password' }).expect(401);
    await call('get', '/api/auth/me', editor.token).expect(200);
    const user = bodyOf<{ id: string }>(
      await call('post', '/api/users', t.adminToken)
        .send({ username: `u-${randomBytes(3).toString('hex')}`, password: 'long-enough', roles: ['viewer'] })
        .expect(201),
    );
    await call('post', '/api/users', t.adminToken)
      .send({ username: 'admin', password: 'long-enough', roles: ['viewer'] })
      .expect(409);
    await call('post', '/api/users', t.adminToken).send({ username: '' }).expect(400);
    await call('post', '/api/users', editor.token).send({}).expect(403);
    await call('get', '/api/users', t.adminToken).expect(200);
    await call('get', '/api/users?limit=0', t.adminToken).expect(400);
    await call('get', '/api/users', editor.token).expect(403);
    await call('patch', `/api/users/${user.id}`, t.adminToken).send({ quotaFiles: 10 }).expect(200);
    await call('patch', `/api/users/${user.id}`, t.adminToken).send({}).expect(400);
    await call('patch', '/api/users/00000000-0000-4000-8000-000000000000', t.adminToken).send({ quotaFiles: 1 }).expect(404);
    await call('patch', `/api/users/${user.id}`, editor.token).send({ quotaFiles: 1 }).expect(403);
    const me = bodyOf<{ id: string }>(await call('get', '/api/auth/me', t.adminToken).expect(200));
    await call('delete', `/api/users/${me.id}`, t.adminToken).expect(409);
    await call('delete', `/api/users/${user.id}`, editor.token).expect(403);
    await call('delete', `/api/users/${user.id}`, t.adminToken).expect(204);
    await call('delete', `/api/users/${user.id}`, t.adminToken).expect(404);
    const token = bodyOf<{ id: string; token: string }>(
      await call('post', '/api/tokens', editor.token)
        .send({ description: 'read only', scopes: ['files:read'] })
        .expect(201),
    );
    await call('post', '/api/tokens', editor.token).send({ description: '' }).expect(400);
    await call('post', '/api/tokens', token.token)
      .send({ description: 'wider', scopes: ['files:write'] })
      .expect(403);
    await call('get', '/api/tokens', editor.token).expect(200);
    await call('get', '/api/tokens?limit=0', editor.token).expect(400);
    await call('delete', `/api/tokens/${token.id}`, editor.token).expect(204);
    await call('delete', `/api/tokens/${token.id}`, editor.token).expect(404);
    await call('get', '/metrics', METRICS_TOKEN).expect(200);
    await call('get', '/api/audit', t.adminToken).expect(200);
    await call('get', '/api/audit?limit=0', t.adminToken).expect(400);
    await call('get', '/api/audit', editor.token).expect(403);
    await call('get', '/api/webhooks/deliveries', t.adminToken).expect(200);
    await call('get', '/api/webhooks/deliveries?status=bogus', t.adminToken).expect(400);
    await call('get', '/api/webhooks/deliveries', editor.token).expect(403);
    await call('get', '/health').expect(200);
    await call('get', '/health/live').expect(200);
    await call('get', '/health/ready').expect(200);
    // The scope of an API token limits every file route to what it names (here: none).
    const usersOnly = bodyOf<{ token: string }>(
      await call('post', '/api/tokens', t.adminToken)
        .send({ description: 'users', scopes: ['users:manage'] })
        .expect(201),
    );
    for (const [method, path] of [
      ['get', '/api/files'],
      ['head', '/api/files/no-such-id'],
      ['get', '/api/files/no-such-id/permissions'],
      ['post', '/api/files/no-such-id/permissions'],
      ['delete', '/api/files/no-such-id/permissions/no-such-grant'],
      ['get', '/files'],
      ['get', '/files/count'],
      ['get', '/files/metadata/no-such-id'],
      ['delete', '/files/no-such-id'],
      ['delete', '/files?filter=length:>=0'],
      ['get', '/v1/file/no-such-id'],
      ['head', '/v1/file/no-such-id'],
    ] as const) {
      await call(method, path, usersOnly.token).expect(403);
    }
  });

  it('a file whose bytes are missing from storage is a 500 on its downloads', async () => {
    const file = await nativeUpload(editor.token);
    const client = new pg.Client({ connectionString: t.testEnv.env.DATABASE_URL });
    await client.connect();
    const { rows } = await client.query<{ storage_key: string }>('SELECT storage_key FROM file_meta WHERE id = $1', [file.id]);
    await client.end();
    await t.app.get(StorageProvider).delete(rows[0].storage_key);
    await quietLogs(/STORAGE_INCONSISTENT/, async () => {
      await call('get', `/api/files/${file.id}?alt=media`, editor.token).expect(500);
      await call('get', `/v1/file/${file.id}`, editor.token).expect(500);
      await call('head', `/v1/file/${file.id}`, editor.token).expect(500);
    });
  });

  it("the console's sessions: sign in with a password or a token, sign out, and the CSRF refusals", async () => {
    const origin = { Origin: t.url };
    const signIn = await call('post', '/api/auth/session').set(origin).send(ADMIN).expect(200);
    const cookie = signIn.headers['set-cookie'] as unknown as string[];
    await call('post', '/api/auth/session').send(ADMIN).expect(403);
    await call('post', '/api/auth/session').set(origin).send({ username: 'admin' }).expect(400);
    await call('post', '/api/auth/session').set(origin).send({ username: 'admin', password: 'not the password' }).expect(401);
    await call('post', '/api/auth/session/token', editor.token).set(origin).expect(200);
    // Signed in by the session cookie, without a token to end with.
    await call('post', '/api/auth/session/token').set(origin).set('Cookie', cookie).expect(400);
    const apiToken = bodyOf<{ token: string }>(await call('post', '/api/tokens', editor.token).send({ description: 'script' }).expect(201));
    await call('post', '/api/auth/session/token', apiToken.token).set(origin).expect(403);
    await call('delete', '/api/auth/session').set('Cookie', cookie).expect(403);
    await call('delete', '/api/auth/session').set('Cookie', cookie).set(origin).expect(204);
  });

  it('answers 401 without credentials, 429 over the rate limit and 503 without Redis on every route that says so', async () => {
    const operations = Object.entries(t.openapi!.document.paths).flatMap(([template, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        method: method as Method,
        template,
        path: template.replace(/\{[^}]+\}/g, 'no-such-id'),
        statuses: Object.keys((operation as { responses: object }).responses),
        secured: Boolean((operation as { security?: object[] }).security?.length),
      })),
    );
    await quietLogs(/RATE_LIMIT_STORE_UNAVAILABLE|Redis|redis/, async () => {
      await redis.cut();
      try {
        for (const op of operations.filter((o) => o.statuses.includes('503') && !o.template.startsWith('/health')))
          await call(op.method, op.path, op.secured ? t.adminToken : undefined).expect(503);
      } finally {
        await redis.restore();
      }
    });
    for (const op of operations.filter((o) => o.secured)) await call(op.method, op.path).expect(401);
    const limited = await t.startSibling({ RATE_LIMIT_PER_MINUTE: '1', REDIS_URL: undefined });
    await call('get', '/api/auth/me', t.adminToken, limited);
    for (const op of operations.filter((o) => o.statuses.includes('429')))
      await call(op.method, op.path, op.secured ? t.adminToken : undefined, limited).expect(429);
    const proxy = (database = await startTcpProxy(proxyTo(t.testEnv.env.DATABASE_URL!)));
    const url = new URL(t.testEnv.env.DATABASE_URL!);
    url.port = String(proxy.port);
    const cut = await t.startSibling({ DATABASE_URL: url.toString() });
    await quietLogs(/DATABASE_UNAVAILABLE|database|Health Check|connect|terminat/i, async () => {
      await proxy.cut();
      await call('get', '/health', undefined, cut).expect(503);
      await call('get', '/health/ready', undefined, cut).expect(503);
    });
    // Siblings stop with the app: closing one while the app still serves stops the app's database connection too.
    const noMetrics = await t.startSibling({ METRICS_TOKEN: undefined });
    await call('get', '/metrics', METRICS_TOKEN, noMetrics).expect(404);
  });

  it('exercises every documented status of every route, and every response matches the document', () => {
    const { violations, seen } = t.openapi!;
    expect(violations).toEqual([]);
    const unproduced = t.openapi!.documented().filter((entry) => !seen.has(entry) && !(entry in NOT_PRODUCED));
    expect(unproduced).toEqual([]);
    expect(Object.keys(NOT_PRODUCED).filter((entry) => seen.has(entry))).toEqual([]);
  });
});
