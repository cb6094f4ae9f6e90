import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { auth, bodyOf, MolgenisFile, Page as Listing } from '../support/http.js';
import { ADMIN, startTestApp, TestApp } from '../support/test-app.js';

/**
 * The web console in Debian's Chromium (never a downloaded browser), against a real service serving the real build.
 * Screenshots go to docs/screenshots when STOWAGE_SCREENSHOTS=1 (to refresh the README's), else to a temp dir.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const BIG_BYTES = 12 * 1024 * 1024;

/** Waits for a condition the page reaches by itself (uploads, requests); fails with `what` if it never does. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const rowNames = (page: Page) => page.locator('tbody tr td.name').allTextContents();

describe('Web console (Chromium)', () => {
  let t: TestApp;
  let buildDir: string;
  let shotDir: string;
  let browser: Browser;
  let alice: { id: string; username: string; password: string; token: string };
  let bob: { id: string; username: string; password: string; token: string };
  let aliceContext: BrowserContext;
  let page: Page;
  const big = randomBytes(BIG_BYTES);

  const shot = (name: string, target: Page = page) => target.screenshot({ path: join(shotDir, `console-${name}.png`) });

  async function signIn(context: BrowserContext, user: { username: string; password: string }): Promise<Page> {
    const p = await context.newPage();
    await p.goto(t.url);
    await p.getByLabel('Username').fill(user.username);
    await p.getByLabel('Password').fill(user.password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('button', { name: 'Sign out' }).waitFor();
    return p;
  }

  beforeAll(async () => {
    buildDir = await mkdtemp(join(tmpdir(), 'stowage-console-'));
    execFileSync('node_modules/.bin/vite', ['build', '--config', 'console/vite.config.ts', '--outDir', buildDir, '--logLevel', 'error']);
    shotDir = process.env.STOWAGE_SCREENSHOTS === '1' ? 'docs/screenshots' : buildDir;
    t = await startTestApp({ CONSOLE_DIR: buildDir });
    alice = await t.createUser(['editor'], `alice-${randomBytes(3).toString('hex')}`);
    bob = await t.createUser(['editor'], `bob-${randomBytes(3).toString('hex')}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    aliceContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await rm(buildDir, { recursive: true, force: true });
  });

  it('is served at / (no network beyond the service), and the API keeps its paths', async () => {
    const res = await t.http().get('/').expect(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    await t.http().get('/files/deep/link').set(auth(alice.token)).expect(404);
    await t.http().get('/api/auth/me').expect(401);
    await t.http().get('/health').expect(200);
  });

  it('signs in, and shows the API’s message for a wrong password', async () => {
    const p = await aliceContext.newPage();
    await p.goto(t.url);
    await p.getByLabel('Username').fill(alice.username);
    await p.getByLabel('Password').fill('wrong-password');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
    await shot('signin', p);
    await p.close();

    page = await signIn(aliceContext, alice);
    expect(await page.getByRole('link', { name: 'Files' }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'API tokens' }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);
    const cookie = (await aliceContext.cookies()).find((c) => c.name === 'stowage_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  }, 60_000);

  it('uploads two files with a progress bar each', async () => {
    await page.getByLabel('Upload files').setInputFiles([
      { name: 'alpha-report.txt', mimeType: 'text/plain', buffer: Buffer.from('alpha '.repeat(1000)) },
      { name: 'beta-data.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1,2\n') },
    ]);
    const bars = page.getByRole('progressbar');
    await until('two progress bars', async () => (await bars.count()) === 2);
    expect(await bars.nth(0).isVisible()).toBe(true);
    await until('both uploads done', async () => (await page.locator('.upload-status').allTextContents()).every((s) => s === 'Done'));
    expect(await bars.nth(0).getAttribute('value')).toBe('100');
    await until('both rows listed', async () => (await rowNames(page)).length === 2);
    expect((await rowNames(page)).sort()).toEqual(['alpha-report.txt', 'beta-data.csv']);
  }, 60_000);

  it('resumes an upload after the network drops in the middle of it', async () => {
    let posts = 0;
    let patches = 0;
    await page.route('**/api/uploads**', async (route) => {
      const method = route.request().method();
      if (method === 'POST') posts++;
      if (method === 'PATCH' && ++patches === 2) {
        // The first chunk is in; the connection dies under the second.
        await aliceContext.setOffline(true);
        return route.abort('internetdisconnected');
      }
      return route.continue();
    });
    await page.getByLabel('Upload files').setInputFiles([{ name: 'big-archive.bin', mimeType: 'application/octet-stream', buffer: big }]);
    const item = page.locator('.uploads li').filter({ hasText: 'big-archive.bin' });
    await item.getByText('Paused').waitFor();
    const paused = Number(await item.getByRole('progressbar').getAttribute('value'));
    expect(paused).toBeGreaterThan(0);
    expect(paused).toBeLessThan(100);
    await shot('upload-paused');

    await aliceContext.setOffline(false);
    await item.getByText('Done').waitFor({ timeout: 30_000 });
    await page.unroute('**/api/uploads**');
    expect(posts).toBe(1); // the same upload went on: no second creation
    expect(patches).toBeGreaterThanOrEqual(3);

    await until('the big file listed', async () => (await rowNames(page)).includes('big-archive.bin'));
    const listing = await t.http().get('/api/files?filter=filename:big-archive.bin').set(auth(alice.token)).expect(200);
    const [file] = bodyOf<Listing<MolgenisFile>>(listing).items;
    expect(file.size).toBe(BIG_BYTES);
    expect(file.sha256).toBe(createHash('sha256').update(big).digest('hex'));
  }, 90_000);

  it('searches by name and sorts by a column', async () => {
    const search = page.getByLabel('Search files');
    await search.fill('alpha');
    await until('only alpha listed', async () => JSON.stringify(await rowNames(page)) === '["alpha-report.txt"]');
    await search.fill('');
    await until('all three listed', async () => (await rowNames(page)).length === 3);

    const size = page.getByRole('button', { name: 'Size' });
    await size.click();
    await until('smallest first', async () => (await rowNames(page))[0] === 'beta-data.csv');
    expect(await page.getByRole('columnheader', { name: 'Size' }).getAttribute('aria-sort')).toBe('ascending');
    await size.click();
    await until('largest first', async () => (await rowNames(page))[0] === 'big-archive.bin');
    expect(await rowNames(page)).toEqual(['big-archive.bin', 'alpha-report.txt', 'beta-data.csv']);
    await page.getByRole('button', { name: 'Name' }).click();
    await until('by name', async () => (await rowNames(page))[0] === 'alpha-report.txt');
    await shot('files');
  }, 60_000);

  it('shares a file with another user, who sees and downloads it, until the grant is revoked', async () => {
    const row = page.getByRole('row').filter({ hasText: 'alpha-report.txt' });
    await row.getByRole('button', { name: 'Share' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('User or role').fill(bob.username);
    await dialog.getByLabel('Permission').selectOption('READ');
    await dialog.getByRole('button', { name: 'Share', exact: true }).click();
    await dialog.getByText(`${bob.username}: READ`).waitFor();
    // A user that does not exist: the API's own message.
    await dialog.getByLabel('User or role').fill('nobody-here');
    await dialog.getByRole('button', { name: 'Share', exact: true }).click();
    await dialog.getByRole('alert').waitFor();
    expect(await dialog.getByRole('alert').textContent()).toContain('nobody-here');
    await shot('share');
    await page.keyboard.press('Escape');
    await until('dialog closed', async () => (await page.getByRole('dialog').count()) === 0);

    const bobContext = await browser.newContext({ acceptDownloads: true });
    try {
      const bobPage = await signIn(bobContext, bob);
      const shared = bobPage.getByRole('row').filter({ hasText: 'alpha-report.txt' });
      await shared.waitFor();
      expect(await shared.getByText('shared with you').isVisible()).toBe(true);
      const [download] = await Promise.all([bobPage.waitForEvent('download'), shared.getByRole('button', { name: 'Download' }).click()]);
      expect(download.suggestedFilename()).toBe('alpha-report.txt');
      expect(await readFile(await download.path(), 'utf8')).toBe('alpha '.repeat(1000));

      await row.getByRole('button', { name: 'Share' }).click();
      await dialog.getByRole('button', { name: `Revoke ${bob.username}` }).click();
      await dialog.getByText('Nobody yet.').waitFor();
      await dialog.getByRole('button', { name: 'Close' }).click();

      await bobPage.reload();
      await bobPage.getByRole('button', { name: 'Sign out' }).waitFor();
      await until('the file gone for bob', async () => (await bobPage.locator('.empty').count()) === 1);
      expect(await rowNames(bobPage)).toEqual([]);
    } finally {
      await bobContext.close();
    }
  }, 90_000);

  it('deletes a file after confirmation', async () => {
    const row = page.getByRole('row').filter({ hasText: 'beta-data.csv' });
    await row.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await rowNames(page)).toContain('beta-data.csv');
    await row.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await until('the row gone', async () => !(await rowNames(page)).includes('beta-data.csv'));
    const listing = await t.http().get('/api/files').set(auth(alice.token)).expect(200);
    expect(
      bodyOf<Listing<MolgenisFile>>(listing)
        .items.map((f) => f.filename)
        .sort(),
    ).toEqual(['alpha-report.txt', 'big-archive.bin']);
  }, 60_000);

  it('creates a token shown once, which works until it is revoked', async () => {
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.getByLabel('Description').fill('backup script');
    await page.getByLabel(/Manage users/).uncheck();
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByLabel('New token');
    await shown.waitFor();
    const secret = await shown.inputValue();
    expect(secret).toMatch(/^stw_/);
    await shot('tokens');
    await t.http().get('/api/auth/me').set(auth(secret)).expect(200);

    const row = page.getByRole('row').filter({ hasText: 'backup script' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await until('the token gone', async () => (await page.getByRole('row').filter({ hasText: 'backup script' }).count()) === 0);
    await t.http().get('/api/auth/me').set(auth(secret)).expect(401);
  }, 60_000);

  it('lets an admin manage users', async () => {
    const adminContext = await browser.newContext();
    try {
      const adminPage = await signIn(adminContext, ADMIN);
      await adminPage.getByRole('link', { name: 'Users' }).click();
      await adminPage.getByLabel('New username').fill('carol');
      await adminPage.getByLabel('New password').fill('carol-password');
      await adminPage.getByRole('button', { name: 'Create user' }).click();
      const row = adminPage.getByRole('row').filter({ hasText: 'carol' });
      await row.waitFor();
      await row.getByRole('button', { name: 'Quota' }).click();
      await adminPage.getByLabel(/^Files/).fill('10');
      await adminPage.getByRole('button', { name: 'Save' }).click();
      await row.getByText('10 files').waitFor();
      await shot('users', adminPage);
      await row.getByRole('button', { name: 'Delete' }).click();
      await adminPage.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await until('carol gone', async () => (await adminPage.getByRole('row').filter({ hasText: 'carol' }).count()) === 0);
    } finally {
      await adminContext.close();
    }
  }, 60_000);

  it('signs in with a pasted token (single sign-on users)', async () => {
    const context = await browser.newContext();
    try {
      const p = await context.newPage();
      await p.goto(t.url);
      await p.getByText('Sign in with a token').click();
      await p.getByLabel('Token').fill(bob.token);
      await p.getByRole('button', { name: 'Use token' }).click();
      await p.getByRole('button', { name: 'Sign out' }).waitFor();
      expect(await p.getByText(bob.username).isVisible()).toBe(true);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('fits a phone (375 px) and signs out, ending the session', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    try {
      const phonePage = await signIn(phone, alice);
      const row = phonePage.getByRole('row').filter({ hasText: 'alpha-report.txt' });
      await row.waitFor();
      // Nothing wider than the screen (named, if something is).
      // (Page-side code as text: this project's types have no DOM.)
      const tooWide = await phonePage.evaluate<string[]>(`[...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > 375.5)
        .map((el) => el.tagName.toLowerCase() + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))`);
      expect(tooWide).toEqual([]);
      expect(await phonePage.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      for (const name of ['Download', 'Share', 'Delete']) {
        const box = await row.getByRole('button', { name }).boundingBox();
        expect(box!.x + box!.width).toBeLessThanOrEqual(375);
      }
      await shot('phone', phonePage);
    } finally {
      await phone.close();
    }

    const cookie = (await aliceContext.cookies()).find((c) => c.name === 'stowage_session')!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Username').waitFor();
    await t.http().get('/api/auth/me').set('Cookie', `stowage_session=${cookie.value}`).expect(401);
  }, 60_000);
});
