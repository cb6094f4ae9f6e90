import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, TestApp } from './support/test-app.js';

describe('browser clients on another origin (CORS_ORIGINS)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: 'https://app.example.com, https://other.example.com' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers a preflight for an upload from an allowed origin, allowing its custom headers', async () => {
    const res = await t
      .http()
      .options('/api/files')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization, content-type, x-molgenis-filename')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers['access-control-allow-headers']).toContain('x-molgenis-filename');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
  });

  it('exposes the headers browser code reads back (Location, Content-Disposition, ...)', async () => {
    const res = await t
      .http()
      .post('/api/files')
      .set('Origin', 'https://app.example.com')
      .set('Authorization', `Bearer ${t.adminToken}`)
      .send(Buffer.from('x'))
      .expect(201);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers['access-control-expose-headers']).toContain('Location');
    expect(res.headers['access-control-expose-headers']).toContain('Content-Disposition');
    expect(res.headers['access-control-expose-headers']).toContain('X-Count-Exact');
  });

  it('lets browser tus clients PATCH and read the tus headers back (/api/uploads)', async () => {
    const preflight = await t
      .http()
      .options('/api/uploads/0123456789abcdef0123456789abcdef')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'PATCH')
      .set('Access-Control-Request-Headers', 'authorization, tus-resumable, upload-offset, content-type')
      .expect(204);
    expect(preflight.headers['access-control-allow-methods']).toContain('PATCH');
    expect(preflight.headers['access-control-allow-headers']).toContain('upload-offset');
    expect(preflight.headers['tus-version']).toBeUndefined();

    const created = await t
      .http()
      .post('/api/uploads')
      .set('Origin', 'https://app.example.com')
      .set('Authorization', `Bearer ${t.adminToken}`)
      .set('Tus-Resumable', '1.0.0')
      .set('Upload-Length', '0')
      .expect(201);
    expect(created.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const exposed = created.headers['access-control-expose-headers'].split(',').map((h) => h.trim());
    expect(exposed).toEqual(
      expect.arrayContaining(['Location', 'Upload-Offset', 'Upload-Length', 'Upload-Expires', 'Tus-Resumable', 'Stowage-File-Id']),
    );
    expect(created.headers['stowage-file-id']).toBeDefined();

    // An OPTIONS that is not a preflight is tus discovery, answered by tus.
    const discovery = await t.http().options('/api/uploads').expect(204);
    expect(discovery.headers['tus-version']).toBe('1.0.0');
  });

  it('gives other origins no CORS headers', async () => {
    const res = await t.http().get('/health').set('Origin', 'https://evil.example.com').expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS is off by default', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends no CORS headers at all', async () => {
    const res = await t.http().get('/health').set('Origin', 'https://app.example.com').expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
