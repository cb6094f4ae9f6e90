import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiToken, auth, bodyOf, BoomError, CreatedApiToken, HasuraError, Me, MolgenisFile, Page, Problem } from './support/http.js';
import { startTestApp, TestApp } from './support/test-app.js';

describe('API tokens (/api/tokens)', () => {
  let t: TestApp;
  let editor: { id: string; username: string; token: string };
  let viewer: { id: string; username: string; token: string };

  beforeAll(async () => {
    t = await startTestApp();
    editor = await t.createUser(['editor']);
    viewer = await t.createUser(['viewer']);
  });
  afterAll(async () => {
    await t?.close();
  });

  const createToken = (jwt: string, body: Record<string, unknown> = { description: 'ci job' }) =>
    t.http().post('/api/tokens').set(auth(jwt)).send(body);

  it('creates a token shown once, works in x-molgenis-token and Authorization: Bearer, with its owner’s permissions', async () => {
    const res = await createToken(editor.token, { description: 'nightly backup' }).expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      token: expect.stringMatching(/^stw_[A-Za-z0-9_-]{43}$/),
      description: 'nightly backup',
      scopes: ['files:read', 'files:write'],
      expiresAt: null,
      createdAt: expect.any(String),
    });
    const secret = bodyOf<CreatedApiToken>(res).token;

    const me = await t.http().get('/api/auth/me').set('x-molgenis-token', secret).expect(200);
    expect(me.body).toMatchObject({ id: editor.id, username: editor.username, roles: ['editor'] });
    const upload = await t.http().post('/api/files').set(auth(secret)).set('Content-Type', 'text/plain').send('via token').expect(201);
    expect(bodyOf<MolgenisFile>(upload).owner).toBe(editor.id);
    await t
      .http()
      .get(`/api/files/${bodyOf<MolgenisFile>(upload).id}?alt=media`)
      .set('x-molgenis-token', secret)
      .expect(200, 'via token');
    // Only its owner's permissions: no user management.
    const denied = await t.http().get('/api/users').set(auth(secret)).expect(403);
    expect(bodyOf<Problem>(denied).detail).toContain("'user:manage'");

    // Listed without the secret (nor its hash).
    const list = await t.http().get('/api/tokens').set(auth(editor.token)).expect(200);
    expect(list.body).toMatchObject({ total: 1, limit: 50, offset: 0 });
    const [listedToken] = bodyOf<Page<ApiToken>>(list).items;
    expect(listedToken).toMatchObject({ id: bodyOf<CreatedApiToken>(res).id, description: 'nightly backup', expiresAt: null });
    expect(listedToken.lastUsedAt).not.toBeNull();
    const listed = JSON.stringify(list.body);
    expect(listed).not.toContain(secret);
    expect(listed).not.toContain(createHash('sha256').update(secret).digest('hex'));
  });

  it('stores only the SHA-256 of the secret', async () => {
    const created = bodyOf<CreatedApiToken>(await createToken(editor.token).expect(201));
    // Straight from the table, through the app's own connection.
    const db = t.app.get(DataSource);
    const rows = await db.query<{ token_hash: string }[]>('SELECT token_hash FROM api_tokens WHERE id = $1', [created.id]);
    expect(rows[0].token_hash).toBe(createHash('sha256').update(created.token).digest('hex'));
    const all = await db.query<{ row: string }[]>('SELECT row_to_json(api_tokens)::text AS row FROM api_tokens');
    expect(all.map((r) => r.row).join()).not.toContain(created.token);
  });

  it('a viewer’s token reads but cannot upload', async () => {
    const secret = bodyOf<CreatedApiToken>(await createToken(viewer.token).expect(201)).token;
    const res = await t.http().post('/api/files').set(auth(secret)).send(Buffer.from('x')).expect(403);
    expect(bodyOf<Problem>(res).detail).toContain("'file:write'");
  });

  it('revoking answers 204 and the token gets 401 at once; tokens are per user', async () => {
    const created = bodyOf<CreatedApiToken>(await createToken(editor.token).expect(201));
    await t.http().get('/api/auth/me').set(auth(created.token)).expect(200);
    // Someone else's token: 404, as if it did not exist, and it keeps working.
    await t.http().delete(`/api/tokens/${created.id}`).set(auth(viewer.token)).expect(404);
    await t.http().delete(`/api/tokens/${created.id}`).set(auth(t.adminToken)).expect(404);
    expect(
      bodyOf<Page<ApiToken>>(await t.http().get('/api/tokens').set(auth(viewer.token)).expect(200)).items.map((i) => i.id),
    ).not.toContain(created.id);
    await t.http().get('/api/auth/me').set(auth(created.token)).expect(200);

    await t.http().delete(`/api/tokens/${created.id}`).set(auth(editor.token)).expect(204);
    const refused = await t.http().get('/api/auth/me').set(auth(created.token)).expect(401);
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token".*error_description="Invalid API token/);
    await t.http().get('/api/auth/me').set('x-molgenis-token', created.token).expect(401);
    await t.http().delete(`/api/tokens/${created.id}`).set(auth(editor.token)).expect(404);
    await t.http().delete('/api/tokens/not-a-uuid').set(auth(editor.token)).expect(404);
  });

  it('a token can revoke itself', async () => {
    const created = bodyOf<CreatedApiToken>(await createToken(editor.token).expect(201));
    await t.http().delete(`/api/tokens/${created.id}`).set(auth(created.token)).expect(204);
    await t.http().get('/api/tokens').set(auth(created.token)).expect(401);
  });

  it('honours expiresAt', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const created = bodyOf<CreatedApiToken>(await createToken(editor.token, { description: 'short', expiresAt }).expect(201));
    expect(created.expiresAt).toBe(expiresAt);
    await t.http().get('/api/auth/me').set(auth(created.token)).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 1700));
    const expired = await t.http().get('/api/auth/me').set(auth(created.token)).expect(401);
    expect(bodyOf<Problem>(expired).detail).toMatch(/expired/);
  });

  it('is refused once its owner is deleted', async () => {
    const doomed = await t.createUser(['editor']);
    const secret = bodyOf<CreatedApiToken>(await createToken(doomed.token).expect(201)).token;
    await t.http().get('/api/auth/me').set(auth(secret)).expect(200);
    await t.http().delete(`/api/users/${doomed.id}`).set(auth(t.adminToken)).expect(204);
    await t.http().get('/api/auth/me').set(auth(secret)).expect(401);
  });

  it('refuses unknown and malformed tokens with 401', async () => {
    const unknown = await t
      .http()
      .get('/api/auth/me')
      .set(auth('stw_' + 'A'.repeat(43)))
      .expect(401);
    expect(unknown.headers['www-authenticate']).toMatch(/^Bearer /);
    await t.http().get('/api/auth/me').set(auth('stw_')).expect(401);
    await t.http().get('/api/auth/me').set('x-molgenis-token', 'not-a-token').expect(401);
  });

  it('validates the request: 400', async () => {
    await createToken(editor.token, {}).expect(400);
    await createToken(editor.token, { description: '' }).expect(400);
    await createToken(editor.token, { description: 'x'.repeat(256) }).expect(400);
    await createToken(editor.token, { description: 'x', expiresAt: 'tomorrow' }).expect(400);
    const past = await createToken(editor.token, { description: 'x', expiresAt: '2001-01-01T00:00:00Z' }).expect(400);
    expect(bodyOf<Problem>(past).detail).toMatch(/future/);
    await createToken(editor.token, { description: 'x', secret: 'mine' }).expect(400);
    await t.http().get('/api/tokens?limit=0').set(auth(editor.token)).expect(400);
  });

  describe('scopes', () => {
    const secretOf = async (jwt: string, scopes?: string[]) =>
      bodyOf<CreatedApiToken>(await createToken(jwt, { description: 'scoped', ...(scopes ? { scopes } : {}) }).expect(201)).token;
    const meWith = async (token: string) => bodyOf<Me>(await t.http().get('/api/auth/me').set(auth(token)).expect(200));

    it('default to files:read and files:write, shown at creation, in the listing and (effective) in /api/auth/me', async () => {
      const created = bodyOf<CreatedApiToken>(await createToken(t.adminToken, { description: 'admin default' }).expect(201));
      expect(created.scopes).toEqual(['files:read', 'files:write']);
      const list = bodyOf<Page<ApiToken>>(await t.http().get('/api/tokens').set(auth(t.adminToken)).expect(200));
      expect(list.items.find((item) => item.id === created.id)?.scopes).toEqual(['files:read', 'files:write']);
      expect((await meWith(created.token)).scopes).toEqual(['files:read', 'files:write']);
      // Login tokens are not scoped: they carry the user's roles.
      expect((await meWith(t.adminToken)).scopes).toBeUndefined();
    });

    it('a request beyond the scopes is 403 INSUFFICIENT_SCOPE naming the missing one, even for an admin', async () => {
      const admin = await secretOf(t.adminToken);
      const denied = await t.http().get('/api/users').set(auth(admin)).expect(403);
      expect(bodyOf<Problem>(denied)).toMatchObject({ code: 'INSUFFICIENT_SCOPE', detail: expect.stringContaining("'users:manage'") });
      expect(denied.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
      expect(denied.headers['www-authenticate']).toMatch(/scope="users:manage"/);
      await t
        .http()
        .post('/api/users')
        .set(auth(admin))
        .send({ username: 'made-by-token', password: 'a-long-passphrase', roles: ['admin'] })
        .expect(403);

      const manager = await secretOf(t.adminToken, ['users:manage']);
      await t.http().get('/api/users').set(auth(manager)).expect(200);
      const upload = await t.http().post('/api/files').set(auth(manager)).send(Buffer.from('x')).expect(403);
      expect(bodyOf<Problem>(upload).detail).toContain("'files:write'");

      const file = bodyOf<MolgenisFile>(
        await t.http().post('/api/files').set(auth(editor.token)).set('Content-Type', 'text/plain').send('kept').expect(201),
      );
      const reader = await secretOf(editor.token, ['files:read']);
      await t.http().get(`/api/files/${file.id}?alt=media`).set(auth(reader)).expect(200, 'kept');
      const del = await t.http().delete(`/api/files/${file.id}`).set(auth(reader)).expect(403);
      expect(bodyOf<Problem>(del)).toMatchObject({ code: 'INSUFFICIENT_SCOPE', detail: expect.stringContaining("'files:write'") });
      // Every dialect, in its own error shape.
      const appmixer = await t.http().delete(`/files/${file.id}`).set(auth(reader)).expect(403);
      expect(bodyOf<BoomError>(appmixer)).toMatchObject({
        statusCode: 403,
        code: 'INSUFFICIENT_SCOPE',
        message: expect.stringContaining('files:write'),
      });
      const hasura = await t.http().delete(`/v1/file/${file.id}`).set(auth(reader)).expect(403);
      expect(bodyOf<HasuraError>(hasura)).toEqual({ error: expect.stringContaining('files:write'), code: 'INSUFFICIENT_SCOPE' });
      await t.http().get(`/api/files/${file.id}`).set(auth(editor.token)).expect(200);
      await t.http().get(`/api/files/${file.id}`).set(auth(manager)).expect(403);
    });

    it('are intersected with the owner’s current roles', async () => {
      const viewerToken = await secretOf(viewer.token, ['files:read', 'files:write']);
      expect(await meWith(viewerToken)).toMatchObject({ scopes: ['files:read'], permissions: ['file:read'] });
      // A scope the roles do not grant is refused by the roles, as without scopes.
      const res = await t.http().post('/api/files').set(auth(viewerToken)).send(Buffer.from('x')).expect(403);
      expect(bodyOf<Problem>(res).code).toBe('FORBIDDEN');
    });

    it('a token cannot make a token with scopes it does not have', async () => {
      const reader = await secretOf(editor.token, ['files:read']);
      const wider = await createToken(reader, { description: 'wider', scopes: ['files:read', 'files:write'] }).expect(403);
      expect(bodyOf<Problem>(wider)).toMatchObject({ code: 'INSUFFICIENT_SCOPE', detail: expect.stringContaining("'files:write'") });
      await createToken(reader, { description: 'default is wider too' }).expect(403);
      const same = await createToken(reader, { description: 'same', scopes: ['files:read'] }).expect(201);
      expect(bodyOf<CreatedApiToken>(same).scopes).toEqual(['files:read']);
    });

    it('400 for unknown, repeated or no scopes', async () => {
      await createToken(editor.token, { description: 'x', scopes: ['files:delete'] }).expect(400);
      await createToken(editor.token, { description: 'x', scopes: ['files:read', 'files:read'] }).expect(400);
      await createToken(editor.token, { description: 'x', scopes: [] }).expect(400);
      await createToken(editor.token, { description: 'x', scopes: 'files:read' }).expect(400);
    });
  });

  it('answers 401 without credentials, with WWW-Authenticate: Bearer', async () => {
    for (const res of [
      await t.http().post('/api/tokens').send({ description: 'x' }),
      await t.http().get('/api/tokens'),
      await t.http().delete('/api/tokens/00000000-0000-4000-8000-000000000000'),
    ]) {
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="stowage"/);
    }
  });
});
