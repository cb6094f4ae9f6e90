import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bodyOf, Health, OpenApiDocument } from './support/http.js';
import { startTestApp, TestApp } from './support/test-app.js';

describe('operations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET /health reports the database up, without credentials', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(bodyOf<Health>(res).status).toBe('ok');
    expect(bodyOf<Health>(res).info.database.status).toBe('up');
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const doc = bodyOf<OpenApiDocument>(await t.http().get('/api/docs-json').expect(200));
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/files', '/api/files/{id}', '/api/auth/login', '/api/users']));
    const ui = await t.http().get('/api/docs').expect(200);
    expect(ui.text).toContain('swagger');
  });
});
