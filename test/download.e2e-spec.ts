import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, IncomingHttpHeaders, request as httpRequest, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import send from 'send';
import { auth, bodyOf, MolgenisFile, OpenApiDocument, Problem } from './support/http.js';
import { startTestApp, TestApp } from './support/test-app.js';

/** One raw HTTP exchange: what a browser or video player would see, bytes and all. */
interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function call(baseUrl: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, baseUrl), { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The `send` package serving the same bytes with our validators: the reference for the matrix. */
async function startSendReference(bytes: Buffer, etag: string, lastModified: string): Promise<{ url: string; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'stowage-send-'));
  const path = join(dir, 'file.bin');
  await writeFile(path, bytes);
  const server: Server = createServer((req, res) => {
    // send keeps validators already on the response, so both servers compare against the same ones.
    res.setHeader('ETag', etag);
    res.setHeader('Last-Modified', lastModified);
    send(req, path).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const httpDate = (date: Date) => date.toUTCString();
const addSeconds = (header: string, seconds: number) => httpDate(new Date(Date.parse(header) + seconds * 1000));

describe('downloads: Range, conditional requests, HEAD, safe serving', () => {
  let t: TestApp;
  let owner: { id: string; token: string };
  let stranger: { id: string; token: string };
  const bytes = randomBytes(1000);
  let fileUrl: string;
  let etag: string;
  let lastModified: string;
  const get = (headers: Record<string, string> = {}, path = fileUrl, method = 'GET') =>
    call(t.url, path, { ...auth(owner.token), ...headers }, method);

  async function upload(body: Buffer, headers: Record<string, string> = {}, token = owner.token): Promise<string> {
    const res = await t.http().post('/api/files').set(auth(token)).set(headers).send(body).expect(201);
    return `/api/files/${bodyOf<MolgenisFile>(res).id}?alt=media`;
  }

  beforeAll(async () => {
    t = await startTestApp();
    owner = await t.createUser(['editor']);
    stranger = await t.createUser(['editor']);
    fileUrl = await upload(bytes, { 'Content-Type': 'application/octet-stream', 'x-molgenis-filename': 'data.bin' });
    const first = await get();
    etag = first.headers.etag!;
    lastModified = first.headers['last-modified']!;
  });
  afterAll(async () => {
    agent.destroy();
    await t?.close();
  });

  describe('a plain GET', () => {
    it('200 with the bytes, Accept-Ranges, a strong ETag from the SHA-256, Last-Modified and Cache-Control: private', async () => {
      const res = await get();
      expect(res.status).toBe(200);
      expect(res.body.equals(bytes)).toBe(true);
      expect(res.headers['content-length']).toBe('1000');
      expect(res.headers['accept-ranges']).toBe('bytes');
      const meta = bodyOf<MolgenisFile>(await t.http().get(fileUrl.replace('?alt=media', '')).set(auth(owner.token)).expect(200));
      expect(res.headers.etag).toBe(`"${meta.sha256}"`);
      expect(Date.parse(res.headers['last-modified']!)).toBe(Math.floor(Date.parse(meta.createdAt) / 1000) * 1000);
      expect(res.headers['cache-control']).toBe('private');
    });

    it('safe-serving headers: nosniff, CSP sandbox, attachment with the stored name', async () => {
      const res = await get();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toMatch(/^sandbox/);
      expect(res.headers['content-disposition']).toBe('attachment; filename=data.bin');
      expect(res.headers['content-type']).toBe('application/octet-stream');
    });
  });

  describe('Range', () => {
    it.each([
      ['bytes=0-9', 0, 9],
      ['bytes=990-', 990, 999],
      ['bytes=-10', 990, 999],
      ['bytes=500-5000', 500, 999],
      ['bytes=0-5,3-10', 0, 10],
    ])('%s → 206 with Content-Range and exactly those bytes', async (range, start, end) => {
      const res = await get({ Range: range });
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/1000`);
      expect(res.headers['content-length']).toBe(String(end - start + 1));
      expect(res.body.equals(bytes.subarray(start, end + 1))).toBe(true);
      expect(res.headers.etag).toBe(etag);
    });

    it.each(['bytes=1000-', 'bytes=5000-6000', 'bytes=-0'])(
      '%s → 416 with Content-Range: bytes */1000 and no file headers',
      async (range) => {
        const res = await get({ Range: range });
        expect(res.status).toBe(416);
        expect(res.headers['content-range']).toBe('bytes */1000');
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.headers['content-disposition']).toBeUndefined();
        expect((JSON.parse(res.body.toString()) as Problem).code).toBe('RANGE_NOT_SATISFIABLE');
      },
    );

    it.each(['bytes=abc', 'bytes=1-x', 'pages=1-2', 'garbage'])('a malformed Range (%s) is ignored: 200, whole file', async (range) => {
      const res = await get({ Range: range });
      expect(res.status).toBe(200);
      expect(res.body.equals(bytes)).toBe(true);
    });

    it('several disjoint ranges get the whole file (200), never more bytes than the file', async () => {
      const res = await get({ Range: 'bytes=0-1,5-6,100-200' });
      expect(res.status).toBe(200);
      expect(res.headers['content-range']).toBeUndefined();
      expect(res.body.equals(bytes)).toBe(true);
      const many = await get({ Range: 'bytes=' + Array.from({ length: 1500 }, (_, i) => `${i % 900}-${(i % 900) + 99}`).join(',') });
      expect(many.status).toBe(206);
      expect(many.body.length).toBeLessThanOrEqual(bytes.length);
    });

    it('a suffix longer than the file is the whole file as 206 (RFC 9110; send answers 416)', async () => {
      const res = await get({ Range: 'bytes=-5000' });
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toBe('bytes 0-999/1000');
      expect(res.body.equals(bytes)).toBe(true);
    });

    it('an empty file: any range is 416 bytes */0, no range is 200 with no body', async () => {
      const empty = await upload(Buffer.alloc(0));
      const ranged = await get({ Range: 'bytes=0-' }, empty);
      expect(ranged.status).toBe(416);
      expect(ranged.headers['content-range']).toBe('bytes */0');
      const whole = await get({}, empty);
      expect(whole.status).toBe(200);
      expect(whole.headers['content-length']).toBe('0');
    });
  });

  describe('conditional requests', () => {
    it('If-None-Match with the ETag (or W/ of it, or *) → 304 with validators, no body, no content headers', async () => {
      for (const value of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
        const res = await get({ 'If-None-Match': value });
        expect(res.status).toBe(304);
        expect(res.body.length).toBe(0);
        expect(res.headers.etag).toBe(etag);
        expect(res.headers['cache-control']).toBe('private');
        expect(res.headers['content-length']).toBeUndefined();
        expect(res.headers['content-disposition']).toBeUndefined();
      }
      expect((await get({ 'If-None-Match': '"nope"' })).status).toBe(200);
    });

    it('If-Modified-Since not before Last-Modified → 304; earlier → 200; ignored when If-None-Match is sent', async () => {
      expect((await get({ 'If-Modified-Since': lastModified })).status).toBe(304);
      expect((await get({ 'If-Modified-Since': addSeconds(lastModified, 60) })).status).toBe(304);
      expect((await get({ 'If-Modified-Since': addSeconds(lastModified, -1) })).status).toBe(200);
      expect((await get({ 'If-Modified-Since': 'not a date' })).status).toBe(200);
      expect((await get({ 'If-Modified-Since': lastModified, 'If-None-Match': '"nope"' })).status).toBe(200);
    });

    it('If-Match / If-Unmodified-Since that fail → 412 (problem JSON, no file headers); that hold → 200', async () => {
      for (const headers of [
        { 'If-Match': '"nope"' } as Record<string, string>,
        { 'If-Match': `W/${etag}` },
        { 'If-Unmodified-Since': addSeconds(lastModified, -1) },
      ]) {
        const res = await get(headers);
        expect(res.status).toBe(412);
        expect((JSON.parse(res.body.toString()) as Problem).code).toBe('PRECONDITION_FAILED');
        expect(res.headers['content-disposition']).toBeUndefined();
      }
      expect((await get({ 'If-Match': etag })).status).toBe(200);
      expect((await get({ 'If-Match': '*' })).status).toBe(200);
      expect((await get({ 'If-Unmodified-Since': lastModified })).status).toBe(200);
    });

    it('If-Range: a current validator keeps the Range (206); a stale or weak one gets the whole file (200)', async () => {
      for (const validator of [etag, lastModified]) {
        const res = await get({ Range: 'bytes=0-9', 'If-Range': validator });
        expect(res.status).toBe(206);
        expect(res.body.equals(bytes.subarray(0, 10))).toBe(true);
      }
      for (const validator of ['"stale"', `W/${etag}`, addSeconds(lastModified, -1), addSeconds(lastModified, 1)]) {
        const res = await get({ Range: 'bytes=0-9', 'If-Range': validator });
        expect(res.status).toBe(200);
        expect(res.body.equals(bytes)).toBe(true);
      }
    });
  });

  describe('compared with the send package serving the same bytes', () => {
    let reference: { url: string; close: () => Promise<void> };
    beforeAll(async () => {
      reference = await startSendReference(bytes, etag, lastModified);
    });
    afterAll(async () => {
      await reference?.close();
    });

    const summary = (res: Reply) => ({
      status: res.status,
      contentRange: res.headers['content-range'],
      // Error bodies differ by design (problem JSON vs send's HTML); their length says nothing.
      contentLength: res.status < 400 ? res.headers['content-length'] : undefined,
      body: res.status < 400 ? res.body.toString('hex') : undefined,
    });

    it('gives the same status, Content-Range, Content-Length and bytes for every Range / If-Range / If-None-Match / If-Modified-Since combination', async () => {
      const ranges = [
        undefined,
        'bytes=0-9',
        'bytes=990-',
        'bytes=-10',
        'bytes=500-5000',
        'bytes=0-5,3-10',
        'bytes=0-1,5-6',
        'bytes=1000-',
        'bytes=abc',
        'bytes=5-2',
        'bytes=-0',
      ];
      const ifRanges = [undefined, etag, '"stale"', lastModified, addSeconds(lastModified, -1)];
      const ifNoneMatches = [undefined, etag, '"other"', `W/${etag}`];
      const ifModifiedSinces = [undefined, lastModified, addSeconds(lastModified, -1)];
      let compared = 0;
      for (const range of ranges)
        for (const ifRange of ifRanges)
          for (const ifNoneMatch of ifNoneMatches)
            for (const ifModifiedSince of ifModifiedSinces) {
              const headers: Record<string, string> = {};
              if (range) headers.Range = range;
              if (ifRange) headers['If-Range'] = ifRange;
              if (ifNoneMatch) headers['If-None-Match'] = ifNoneMatch;
              if (ifModifiedSince) headers['If-Modified-Since'] = ifModifiedSince;
              const [ours, theirs] = await Promise.all([get(headers), call(reference.url, '/', headers)]);
              expect({ headers, ...summary(ours) }).toEqual({ headers, ...summary(theirs) });
              compared++;
            }
      expect(compared).toBe(660);
    });

    it('agrees on If-Match / If-Unmodified-Since (strong tags)', async () => {
      for (const ifMatch of [undefined, etag, '"other"', '*'])
        for (const ifUnmodifiedSince of [undefined, lastModified, addSeconds(lastModified, -1)])
          for (const ifNoneMatch of [undefined, etag]) {
            const headers: Record<string, string> = {};
            if (ifMatch) headers['If-Match'] = ifMatch;
            if (ifUnmodifiedSince) headers['If-Unmodified-Since'] = ifUnmodifiedSince;
            if (ifNoneMatch) headers['If-None-Match'] = ifNoneMatch;
            const [ours, theirs] = await Promise.all([get(headers), call(reference.url, '/', headers)]);
            expect({ headers, ...summary(ours) }).toEqual({ headers, ...summary(theirs) });
          }
    });

    it('differs only where docs/downloads.md says so', async () => {
      const differences: [Record<string, string>, number, number][] = [
        // RFC 9110 §14.1.2: a suffix longer than the file means the whole file.
        [{ Range: 'bytes=-5000' }, 206, 416],
        // RFC 9110 §13.1.5: If-Range uses the strong comparison; a weak tag never matches.
        [{ Range: 'bytes=0-9', 'If-Range': `W/${etag}` }, 200, 206],
        // RFC 9110 §13.1.5: a date in If-Range must equal Last-Modified exactly.
        [{ Range: 'bytes=0-9', 'If-Range': addSeconds(lastModified, 60) }, 200, 206],
        // RFC 9110 §13.1.1: If-Match uses the strong comparison.
        [{ 'If-Match': `W/${etag}` }, 412, 200],
        // send skips 304 when the request says Cache-Control: no-cache; RFC 9110 leaves that to caches.
        [{ 'If-None-Match': etag, 'Cache-Control': 'no-cache' }, 304, 200],
        // RFC 9110 §14.1: range units are case-insensitive.
        [{ Range: 'Bytes=0-9' }, 206, 200],
      ];
      for (const [headers, ourStatus, sendStatus] of differences) {
        const [ours, theirs] = await Promise.all([get(headers), call(reference.url, '/', headers)]);
        expect({ headers, status: ours.status }).toEqual({ headers, status: ourStatus });
        expect({ headers, status: theirs.status }).toEqual({ headers, status: sendStatus });
      }
    });
  });

  describe('HEAD', () => {
    const comparable = (res: Reply) => {
      const headers = { ...res.headers };
      for (const name of ['date', 'keep-alive', 'connection', 'x-request-id']) delete headers[name];
      return { status: res.status, headers };
    };

    it.each<[string, Record<string, string>]>([
      ['plain', {}],
      ['a range', { Range: 'bytes=10-19' }],
      ['an unsatisfiable range', { Range: 'bytes=2000-' }],
      // The ETag is known only once the file is uploaded: ETAG stands for it.
      ['If-None-Match', { 'If-None-Match': 'ETAG' }],
      ['a failed If-Match', { 'If-Match': '"nope"' }],
    ])('%s: the status and headers of GET, no body', async (_, template) => {
      const headers = Object.fromEntries(Object.entries(template).map(([k, v]) => [k, v === 'ETAG' ? etag : v]));
      const [head, full] = await Promise.all([get(headers, fileUrl, 'HEAD'), get(headers)]);
      expect(head.body.length).toBe(0);
      expect(comparable(head)).toEqual(comparable(full));
    });

    it('the same permission checks: 401 without a token, 403 for another user, 404 for an unknown file', async () => {
      expect((await call(t.url, fileUrl, {}, 'HEAD')).status).toBe(401);
      expect((await call(t.url, fileUrl, auth(stranger.token), 'HEAD')).status).toBe(403);
      expect((await call(t.url, fileUrl, auth(t.adminToken), 'HEAD')).status).toBe(200);
      const missing = await get({}, '/api/files/abcdefghijklmnopqrstuvwxyz?alt=media', 'HEAD');
      expect(missing.status).toBe(404);
      expect(missing.body.length).toBe(0);
    });

    it('on the metadata route too (no alt=media)', async () => {
      const metaPath = fileUrl.replace('?alt=media', '');
      const [head, full] = await Promise.all([get({}, metaPath, 'HEAD'), get({}, metaPath)]);
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(head.headers['content-length']).toBe(full.headers['content-length']);
    });

    it('is documented in the OpenAPI document with the download headers and answers', async () => {
      const doc = bodyOf<OpenApiDocument>(await t.http().get('/api/docs-json').expect(200));
      const path = doc.paths['/api/files/{id}'];
      expect(path.head).toBeDefined();
      for (const operation of [path.head, path.get]) {
        const names = operation.parameters.map((p) => p.name);
        expect(names).toEqual(
          expect.arrayContaining(['Range', 'If-Range', 'If-None-Match', 'If-Modified-Since', 'If-Match', 'disposition', 'download']),
        );
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['206', '304', '412', '416']));
      }
    });
  });

  describe('Content-Disposition', () => {
    it.each([
      ['image/png', 'inline'],
      ['application/pdf', 'inline'],
      ['text/plain; charset=utf-8', 'inline'],
      ['audio/mpeg', 'inline'],
      ['video/mp4', 'inline'],
      ['text/html', 'attachment'],
      ['image/svg+xml', 'attachment'],
      ['application/xml', 'attachment'],
      ['text/javascript', 'attachment'],
      ['application/octet-stream', 'attachment'],
    ])('?disposition=inline on %s → %s', async (contentType, expected) => {
      const url = await upload(Buffer.from('<script>alert(1)</script>'), { 'Content-Type': contentType, 'x-molgenis-filename': 'f' });
      const res = await get({}, `${url}&disposition=inline`);
      expect(res.status).toBe(200);
      expect(res.headers['content-disposition']).toBe(`${expected}; filename=f`);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toMatch(/^sandbox/);
      // Without asking, always an attachment.
      expect((await get({}, url)).headers['content-disposition']).toBe('attachment; filename=f');
    });

    it('a UTF-8 name gets an ASCII fallback plus filename*', async () => {
      const url = await upload(Buffer.from('x'), { 'x-molgenis-filename': encodeURIComponent('Über résumé ☃.txt') });
      const res = await get({}, url);
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="Uber resume _.txt"; filename*=UTF-8''%C3%9Cber%20r%C3%A9sum%C3%A9%20%E2%98%83.txt`,
      );
    });

    it('CR, LF and NUL in a stored filename never reach a header', async () => {
      const url = await upload(Buffer.from('x'), { 'x-molgenis-filename': encodeURIComponent('a\r\nSet-Cookie: evil=1\u0000.txt') });
      const res = await get({}, url);
      expect(res.status).toBe(200);
      expect(res.headers['set-cookie']).toBeUndefined();
      for (const value of Object.values(res.headers)) expect(String(value)).not.toMatch(/[\r\n\0]/);
      expect(res.headers['content-disposition']).toBe('attachment; filename="aSet-Cookie: evil=1.txt"');
    });

    it('?download= chooses the saved name; a name with CR/LF/NUL, a slash or none at all is 400', async () => {
      const res = await get({}, `${fileUrl}&download=${encodeURIComponent('my copy.bin')}`);
      expect(res.headers['content-disposition']).toBe('attachment; filename="my copy.bin"');
      for (const bad of ['a%0D%0ASet-Cookie:%20x=1', 'a%00b', '..%2Fetc%2Fpasswd', '', 'x'.repeat(256)]) {
        const refused = await get({}, `${fileUrl}&download=${bad}`);
        expect({ bad, status: refused.status }).toEqual({ bad, status: 400 });
        expect(refused.headers['set-cookie']).toBeUndefined();
      }
      expect((await get({}, `${fileUrl}&download=a&download=b`)).status).toBe(400);
      expect((await get({}, `${fileUrl}&disposition=script`)).status).toBe(400);
    });
  });

  describe('a video player seeking in an MP4', () => {
    // An ftyp box then a big mdat box of noise: enough for a player's probing pattern.
    const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2')]);
    const mdat = Buffer.concat([Buffer.alloc(4), Buffer.from('mdat'), randomBytes(256 * 1024)]);
    mdat.writeUInt32BE(mdat.length, 0);
    const video = Buffer.concat([ftyp, mdat]);
    let videoUrl: string;

    beforeAll(async () => {
      videoUrl = await upload(video, { 'Content-Type': 'video/mp4', 'x-molgenis-filename': 'clip.mp4' });
    });

    it('probes with bytes=0-, seeks with an open range mid-file, then reads closed ranges', async () => {
      const probe = await get({ Range: 'bytes=0-' }, `${videoUrl}&disposition=inline`);
      expect(probe.status).toBe(206);
      expect(probe.headers['content-range']).toBe(`bytes 0-${video.length - 1}/${video.length}`);
      expect(probe.headers['content-type']).toBe('video/mp4');
      expect(probe.headers['content-disposition']).toBe('inline; filename=clip.mp4');
      expect(probe.body.subarray(4, 8).toString()).toBe('ftyp');

      const seekTo = Math.floor(video.length * 0.6);
      const seek = await get({ Range: `bytes=${seekTo}-`, 'If-Range': probe.headers.etag! }, videoUrl);
      expect(seek.status).toBe(206);
      expect(seek.headers['content-range']).toBe(`bytes ${seekTo}-${video.length - 1}/${video.length}`);
      expect(seek.body.equals(video.subarray(seekTo))).toBe(true);

      for (const [start, end] of [
        [100_000, 165_535],
        [video.length - 1000, video.length - 1],
        [24, 31],
      ]) {
        const chunk = await get({ Range: `bytes=${start}-${end}` }, videoUrl);
        expect(chunk.status).toBe(206);
        expect(chunk.headers['content-length']).toBe(String(end - start + 1));
        expect(chunk.body.equals(video.subarray(start, end + 1))).toBe(true);
      }
    });
  });
});

describe('downloads with CACHE_CONTROL set', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CACHE_CONTROL: 'private, max-age=60' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends the configured Cache-Control on 200, 206 and 304', async () => {
    const res = await t.http().post('/api/files').set(auth(t.adminToken)).send(Buffer.from('cached bytes')).expect(201);
    const url = `/api/files/${bodyOf<MolgenisFile>(res).id}?alt=media`;
    const admin = auth(t.adminToken);
    const whole = await call(t.url, url, admin);
    expect(whole.headers['cache-control']).toBe('private, max-age=60');
    expect((await call(t.url, url, { ...admin, Range: 'bytes=0-1' })).headers['cache-control']).toBe('private, max-age=60');
    const notModified = await call(t.url, url, { ...admin, 'If-None-Match': whole.headers.etag! });
    expect(notModified.status).toBe(304);
    expect(notModified.headers['cache-control']).toBe('private, max-age=60');
  });
});
