import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { collectBytes } from './support/bytes.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { tusUpload } from './support/tus-client.js';

const hex = (algorithm: string, bytes: Buffer) => createHash(algorithm).update(bytes).digest('hex');

describe('tus uploads (/api/uploads)', () => {
  let t: TestApp;
  let editor: { id: string; token: string };
  beforeAll(async () => {
    t = await startTestApp();
    editor = await t.createUser(['editor']);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a plain upload with tus-js-client becomes an ordinary file, named by Stowage-File-Id', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const result = await tusUpload(t.url, editor.token, bytes, { metadata: { filename: 'report.pdf', filetype: 'application/pdf' } });
    expect(result.fileId).toMatch(/^[a-z2-7]{26}$/);
    const meta = await t.http().get(`/api/files/${result.fileId}`).set('Authorization', `Bearer ${editor.token}`).expect(200);
    expect(meta.body).toMatchObject({ filename: 'report.pdf', contentType: 'application/pdf', size: bytes.length });
    const download = await t
      .http()
      .get(`/api/files/${result.fileId}?alt=media`)
      .set('Authorization', `Bearer ${editor.token}`)
      .buffer(true)
      .parse(collectBytes)
      .expect(200);
    expect(hex('sha256', download.body as Buffer)).toBe(hex('sha256', bytes));
    console.log(meta.body, result.requests);
  });
});
