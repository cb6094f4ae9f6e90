import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { auth, bodyOf, MolgenisFile, Page, Problem } from './support/http.js';
import { ADMIN, startTestApp, TestApp } from './support/test-app.js';

/** The session cookie's `name=value` from a sign-in response, and the whole Set-Cookie line. */
function cookieOf(res: { headers: Record<string, unknown> }): { cookie: string; line: string } {
  const lines = (res.headers['set-cookie'] as string[] | undefined) ?? [];
  const line = lines.find((l) => l.startsWith('stowage_session='));
  if (!line) throw new Error(`no session cookie in ${JSON.stringify(lines)}`);
  return { cookie: line.split(';')[0], line };
}

describe('Console sessions (POST/DELETE /api/auth/session)', () => {
  let t: TestApp;
  let other: TestApp | undefined;
  let editor: { id: string; username: string; password: string; token: string };
  let origin: string;

  beforeAll(async () => {
    // A real PostgreSQL: a second instance must accept the sessions the first one issued.
    t = await startTestApp({ SESSION_TTL_SECONDS: '3600' }, { realDatabase: true });
    editor = await t.createUser(['editor']);
    origin = t.url;
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  const signIn = (username: string, password: string) =>
    t.http().post('/api/auth/session').set('Origin', origin).send({ username, password });

  it('signs in with a password: an httpOnly, SameSite=Strict, Secure cookie of SESSION_TTL_SECONDS, never the secret in the body', async () => {
    const res = await signIn(editor.username, editor.password).expect(200);
    expect(res.body).toEqual({ id: editor.id, username: editor.username, roles: ['editor'], expiresAt: expect.any(String) });
    const { cookie, line } = cookieOf(res);
    expect(line).toMatch(/; Path=\/(;|$)/);
    expect(line).toMatch(/; HttpOnly(;|$)/);
    expect(line).toMatch(/; SameSite=Strict(;|$)/);
    expect(line).toMatch(/; Max-Age=3600(;|$)/);
    expect(line).toMatch(/; Secure(;|$)/);
    expect(JSON.stringify(res.body)).not.toContain(cookie.split('=')[1]);
    const expiresIn = new Date(bodyOf<{ expiresAt: string }>(res).expiresAt).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(3500 * 1000);
    expect(expiresIn).toBeLessThanOrEqual(3600 * 1000);

    const me = await t.http().get('/api/auth/me').set('Cookie', cookie).expect(200);
    expect(me.body).toMatchObject({ id: editor.id, username: editor.username, roles: ['editor'] });
  });

  it('refuses a wrong password with the API error body, and sets no cookie', async () => {
    const res = await signIn(editor.username, 'not-the-password').expect(401);
    expect(bodyOf<Problem>(res).detail).toBe('Wrong username or password.');
    expect(res.headers['set-cookie']).toBeUndefined();
    // A login form posted from another site (login CSRF) never reaches the password check.
    await t
      .http()
      .post('/api/auth/session')
      .set('Origin', 'https://evil.example')
      .send({ username: editor.username, password: editor.password })
      .expect(403);
    const invalid = await t.http().post('/api/auth/session').set('Origin', origin).send({ username: editor.username }).expect(400);
    expect(bodyOf<Problem>(invalid).code).toBe('VALIDATION_FAILED');
  });

  it('signs in with a bearer token (as an identity provider’s users do), never an API token, ending with the token', async () => {
    const res = await t.http().post('/api/auth/session/token').set(auth(editor.token)).set('Origin', origin).expect(200);
    expect(res.body).toMatchObject({ id: editor.id, username: editor.username, roles: ['editor'] });
    const { cookie, line } = cookieOf(res);
    const [, exp] = /Max-Age=(\d+)/.exec(line)!;
    const tokenExp = (JSON.parse(Buffer.from(editor.token.split('.')[1], 'base64url').toString()) as { exp: number }).exp;
    expect(Number(exp)).toBeLessThanOrEqual(tokenExp - Math.floor(Date.now() / 1000) + 1);
    expect(new Date(bodyOf<{ expiresAt: string }>(res).expiresAt).getTime()).toBeLessThanOrEqual(tokenExp * 1000);
    await t.http().get('/api/auth/me').set('Cookie', cookie).expect(200);

    const created = await t.http().post('/api/tokens').set(auth(editor.token)).send({ description: 'script' }).expect(201);
    const apiToken = bodyOf<{ token: string }>(created).token;
    const refused = await t.http().post('/api/auth/session/token').set(auth(apiToken)).set('Origin', origin).expect(403);
    expect(bodyOf<Problem>(refused).detail).toContain('An API token cannot open a console session');
    await t.http().post('/api/auth/session/token').set(auth(editor.token)).set('Origin', 'https://evil.example').expect(403);
    await t.http().post('/api/auth/session/token').set('Origin', origin).expect(401);
    await t.http().post('/api/auth/session/token').set('Cookie', cookie).set('Origin', origin).expect(400);
  });

  it('authenticates every dialect: /api/files, /files, /v1/file and tus /api/uploads', async () => {
    const { cookie } = cookieOf(await signIn(editor.username, editor.password).expect(200));
    const created = await t
      .http()
      .post('/api/files')
      .set('Cookie', cookie)
      .set('Origin', origin)
      .set('Content-Type', 'text/plain')
      .set('x-molgenis-filename', 'cookie.txt')
      .send('from the console')
      .expect(201);
    const file = bodyOf<MolgenisFile>(created);
    expect(file.owner).toBe(editor.id);

    const listing = await t.http().get('/api/files').set('Cookie', cookie).expect(200);
    expect(bodyOf<Page<MolgenisFile>>(listing).items.map((f) => f.id)).toContain(file.id);
    await t.http().get(`/api/files/${file.id}?alt=media`).set('Cookie', cookie).expect(200, 'from the console');
    const appmixer = await t.http().get('/files').set('Cookie', cookie).expect(200);
    expect(JSON.stringify(appmixer.body)).toContain(file.id);
    await t.http().get(`/v1/file/${file.id}`).set('Cookie', cookie).expect(200, 'from the console');

    const upload = await t
      .http()
      .post('/api/uploads')
      .set('Cookie', cookie)
      .set('Origin', origin)
      .set('Tus-Resumable', '1.0.0')
      .set('Upload-Length', '2')
      .set('Upload-Metadata', `filename ${Buffer.from('tus.txt').toString('base64')}`)
      .expect(201);
    const location = new URL(String(upload.headers.location), t.url).pathname;
    await t
      .http()
      .patch(location)
      .set('Cookie', cookie)
      .set('Origin', origin)
      .set('Tus-Resumable', '1.0.0')
      .set('Upload-Offset', '0')
      .set('Content-Type', 'application/offset+octet-stream')
      .send(Buffer.from('ok'))
      .expect(204);
  });

  it('refuses cookie-authenticated unsafe requests from another origin, or naming none (CSRF), but not safe ones', async () => {
    const { cookie } = cookieOf(await signIn(editor.username, editor.password).expect(200));
    const post = () =>
      t.http().post('/api/files').set('Cookie', cookie).set('Content-Type', 'text/plain').set('x-molgenis-filename', 'x.txt');

    const foreign = await post().set('Origin', 'https://evil.example').send('x').expect(403);
    expect(bodyOf<Problem>(foreign).detail).toContain('Origin https://evil.example');
    const none = await post().send('x').expect(403);
    expect(bodyOf<Problem>(none).detail).toContain('must carry Origin or Referer');
    await post().set('Referer', 'https://evil.example/page').send('x').expect(403);
    // Same host, other scheme or port: another origin.
    await post().set('Origin', origin.replace('http:', 'https:')).send('x').expect(403);
    const hasura = await t
      .http()
      .post('/v1/file')
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example')
      .attach('file', Buffer.from('x'), 'x.txt')
      .expect(403);
    expect(JSON.stringify(hasura.body)).toContain('CSRF');

    await post().set('Referer', `${origin}/files`).send('x').expect(201);
    await t.http().get('/api/files').set('Cookie', cookie).expect(200);
    // A token is no ambient credential: no Origin needed.
    await t.http().post('/api/files').set(auth(editor.token)).set('Content-Type', 'text/plain').send('x').expect(201);
  });

  it('behind a proxy (TRUST_PROXY), our origin is the forwarded scheme and host', async () => {
    const { cookie } = cookieOf(await signIn(editor.username, editor.password).expect(200));
    const post = () =>
      t
        .http()
        .post('/api/files')
        .set('Cookie', cookie)
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'files.example.org')
        .set('Content-Type', 'text/plain');
    await post().set('Origin', 'https://files.example.org').send('proxied').expect(201);
    await post().set('Origin', origin).send('proxied').expect(403);
  });

  it('a token wins over the cookie: the token is judged, whoever the cookie is', async () => {
    const { cookie } = cookieOf(await signIn(ADMIN.username, ADMIN.password).expect(200));
    const me = await t.http().get('/api/auth/me').set('Cookie', cookie).set(auth(editor.token)).expect(200);
    expect(me.body).toMatchObject({ username: editor.username });
    const bad = await t.http().get('/api/auth/me').set('Cookie', cookie).set(auth('stw_not-a-token')).expect(401);
    expect(bodyOf<Problem>(bad).detail).toContain('Invalid API token');
  });

  it('signs out: the session ends server-side, on every instance, and the cookie is cleared', async () => {
    other = await t.startSibling();
    const { cookie } = cookieOf(await signIn(editor.username, editor.password).expect(200));
    const mine = await signIn(editor.username, editor.password).expect(200);
    const second = cookieOf(mine).cookie;
    // Issued by one instance, accepted by the other.
    await other.http().get('/api/auth/me').set('Cookie', cookie).expect(200);

    const out = await t.http().delete('/api/auth/session').set('Cookie', second).set('Origin', origin).expect(204);
    expect(cookieOf(out).line).toMatch(/^stowage_session=; .*Max-Age=0/);
    const ended = await t.http().get('/api/auth/me').set('Cookie', second).expect(401);
    expect(bodyOf<Problem>(ended).detail).toContain('sign in again');
    await other.http().get('/api/auth/me').set('Cookie', second).expect(401);
    // Other sessions of the same user go on.
    await t.http().get('/api/auth/me').set('Cookie', cookie).expect(200);
    // Signing out from another site is refused too; without a cookie it only clears.
    await t.http().delete('/api/auth/session').set('Cookie', cookie).set('Origin', 'https://evil.example').expect(403);
    await t.http().delete('/api/auth/session').expect(204);
  });

  it('ends at expires_at, and with its user', async () => {
    const db = t.app.get(DataSource);
    const expired = cookieOf(await signIn(editor.username, editor.password).expect(200)).cookie;
    await db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [editor.id]);
    await t.http().get('/api/auth/me').set('Cookie', expired).expect(401);

    const doomed = await t.createUser(['viewer']);
    const cookie = cookieOf(await signIn(doomed.username, doomed.password).expect(200)).cookie;
    await t.http().delete(`/api/users/${doomed.id}`).set(auth(t.adminToken)).expect(204);
    await t.http().get('/api/auth/me').set('Cookie', cookie).expect(401);
    const [{ count }] = await db.query<{ count: string }[]>(`SELECT count(*) FROM sessions WHERE user_id = $1`, [doomed.id]);
    expect(count).toBe('0');
  });

  it('in development the cookie is not Secure (plain http on localhost)', async () => {
    const dev = await t.startSibling({ NODE_ENV: 'development' });
    try {
      const res = await dev.http().post('/api/auth/session').set('Origin', dev.url).send(ADMIN).expect(200);
      expect(cookieOf(res).line).not.toMatch(/Secure/);
    } finally {
      await dev.close();
    }
  });
});
