import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { Browser, chromium, Locator, Page } from 'playwright-core';
import { ADMIN, startTestApp, TestApp } from '../support/test-app.js';
import { auth, bodyOf, MolgenisFile } from '../support/http.js';

/** Debian's chromium, never a downloaded browser (.ci/run installs it with apt). */
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(process.cwd(), 'docs', 'screenshots');
const TEXT = 'Hello from Swagger UI\n';

/** Swagger UI, as a new user clicks through it: opens an operation, Try it out, Execute, reads the live answer. */
describe('Swagger UI at /api/docs in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  const operation = (method: string, path: string): Locator =>
    page.locator(`.opblock-${method}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });

  async function open(method: string, path: string): Promise<Locator> {
    const op = operation(method, path);
    if (!(await op.locator('.opblock-body').isVisible())) await op.locator('.opblock-summary').first().click();
    const tryItOut = op.locator('button.try-out__btn');
    if ((await tryItOut.textContent())?.includes('Try it out')) await tryItOut.click();
    return op;
  }

  async function execute(op: Locator): Promise<{ status: number; body: string; row: Locator }> {
    await op.locator('button.execute').click();
    const row = op.locator('.live-responses-table tbody tr.response').first();
    await row.waitFor();
    const status = Number((await row.locator('.response-col_status').textContent())?.trim());
    const bodies = row.locator('.response-col_description .highlight-code pre');
    const body = (await bodies.count()) > 0 ? ((await bodies.first().textContent()) ?? '') : '';
    return { status, body, row };
  }

  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

  beforeAll(async () => {
    t = await startTestApp();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('logs in, authorizes, uploads a text file, reads, downloads, uploads a form, lists and deletes', async () => {
    await page.goto(`${t.url}/api/docs`);
    await page.locator('.information-container').waitFor();
    expect(await page.title()).toBe('Stowage API');
    expect(await page.locator('.information-container').textContent()).toContain('Signing in here');
    await shot('01-overview');

    // Log in through Try it out: the body starts without a password.
    const login = await open('post', '/api/auth/login');
    const bodyField = login.locator('textarea.body-param__text');
    expect(await bodyField.inputValue()).not.toContain('change-me');
    await bodyField.fill(JSON.stringify({ username: ADMIN.username, password: ADMIN.password }));
    const loggedIn = await execute(login);
    expect(loggedIn.status).toBe(200);
    const { token } = JSON.parse(loggedIn.body) as { token: string };
    await shot('02-login');

    // Authorize with the x-molgenis-token scheme: every authenticated route takes it.
    await page.locator('.auth-wrapper button.authorize').click();
    const scheme = page.locator('.auth-container').filter({ hasText: 'x-molgenis-token' });
    await scheme.locator('input').fill(token);
    await scheme.locator('button.authorize').click();
    await shot('03-authorize');
    await page.locator('.modal-ux button.close-modal').click();

    // Raw upload with the file picker, as text/plain.
    const upload = await open('post', '/api/files');
    await upload.locator('.opblock-section-request-body select').selectOption('text/plain');
    await upload.locator('tr[data-param-name="x-molgenis-filename"] input').fill('hello.txt');
    await upload.locator('input[type=file]').setInputFiles({ name: 'hello.txt', mimeType: 'text/plain', buffer: Buffer.from(TEXT) });
    const uploaded = await execute(upload);
    expect(uploaded.status).toBe(201);
    const file = JSON.parse(uploaded.body) as MolgenisFile;
    expect(file).toMatchObject({ filename: 'hello.txt', contentType: 'text/plain', size: Buffer.byteLength(TEXT) });
    await shot('04-upload');

    const get = await open('get', '/api/files/{id}');
    await get.locator('tr[data-param-name="id"] input').fill(file.id);
    const metadata = await execute(get);
    expect(metadata.status).toBe(200);
    expect(JSON.parse(metadata.body)).toMatchObject({ id: file.id, contentType: 'text/plain' });
    await get.locator('tr[data-param-name="alt"] select').selectOption('media');
    const download = await execute(get);
    expect(download.status).toBe(200);
    // An attachment: Swagger UI offers it as a file to save; read what that link holds.
    const link = download.row.locator('.response-col_description a[href^="blob:"]');
    const href = (await link.getAttribute('href'))!;
    expect(await page.evaluate(async (url) => (await fetch(url)).text(), href)).toBe(TEXT);
    await shot('05-download');

    // The Appmixer multipart upload, then the listing and the bulk delete's empty filter.
    const form = await open('post', '/files');
    await form
      .locator('input[type=file]')
      .setInputFiles({ name: 'form.txt', mimeType: 'text/plain', buffer: Buffer.from('from a form\n') });
    const formUpload = await execute(form);
    expect(formUpload.status).toBe(200);
    const list = await open('get', '/files');
    expect(await list.locator('tr[data-param-name="filter"] input').inputValue()).toBe('');
    const listed = await execute(list);
    expect(listed.status).toBe(200);
    expect(listed.body).toContain('form.txt');
    expect(listed.body).toContain('hello.txt');
    await shot('06-list');

    const remove = await open('delete', '/api/files/{id}');
    await remove.locator('tr[data-param-name="id"] input').fill(file.id);
    expect((await execute(remove)).status).toBe(204);
    await shot('07-delete');

    await t.http().get(`/api/files/${file.id}`).set(auth(t.adminToken)).expect(404);
    const left = bodyOf<{ items: MolgenisFile[] }>(await t.http().get('/api/files').set(auth(t.adminToken)).expect(200));
    expect(left.items.map((f) => f.filename)).toEqual(['form.txt']);

    // The authorization survives a reload.
    await page.reload();
    await page.locator('.information-container').waitFor();
    expect(await page.locator('.auth-wrapper button.authorize.locked').count()).toBe(1);
    expect(consoleErrors).toEqual([]);
  }, 180_000);
});
