import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import argon2 from 'argon2';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { DataSource } from 'typeorm';
import { bodyOf, Me, MolgenisFile, Page, Problem, TokenResponse, User } from './support/http.js';
import { ADMIN, startTestApp, TestApp } from './support/test-app.js';

const b64url = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Builds a JWT by hand, so tests can forge every kind of bad token. */
function jwt(header: object, payload: object, signer: (input: string) => string): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${signer(input)}`;
}
const hs256 = (secret: string) => (input: string) => createHmac('sha256', secret).update(input).digest('base64url');

describe('auth and users', () => {
  let t: TestApp;
  let secret: string;
  let adminId: string;

  beforeAll(async () => {
    t = await startTestApp();
    secret = t.config.auth.jwtSecret!;
    adminId = bodyOf<Me>(await t.http().get('/api/auth/me').set('Authorization', `Bearer ${t.adminToken}`)).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const me = (token: string) => t.http().get('/api/auth/me').set('Authorization', `Bearer ${token}`);
  const now = () => Math.floor(Date.now() / 1000);

  describe('POST /api/auth/login', () => {
    it('200 with a bearer token for the right password', async () => {
      const res = await t.http().post('/api/auth/login').send(ADMIN).expect(200);
      expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 });
      const { token } = bodyOf<TokenResponse>(res);
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number; iat: number };
      expect(claims.exp - claims.iat).toBe(3600);
      const who = await me(token).expect(200);
      expect(who.body).toMatchObject({ username: 'admin', roles: ['admin'] });
      expect(bodyOf<Me>(who).permissions).toEqual(expect.arrayContaining(['file:read', 'file:write', 'user:manage']));
    });

    it('401 for a wrong password or an unknown user, with the same message', async () => {
      const wrong = await t.http().post('/api/auth/login').send({ username: 'admin', password: 'nope-nope' }).expect(401);
      const unknown = await t.http().post('/api/auth/login').send({ username: 'ghost', password: 'nope-nope' }).expect(401);
      expect(bodyOf<Problem>(wrong).detail).toBe(bodyOf<Problem>(unknown).detail);
    });

    it('a password hashed with older, costlier settings still logs in, and is rehashed with the current ones', async () => {
      const user = await t.createUser(['viewer']);
      const db = t.app.get(DataSource);
      await db.query('UPDATE users SET password_hash = $1 WHERE id = $2', [await argon2.hash(user.password), user.id]);
      await t.http().post('/api/auth/login').send({ username: user.username, password: user.password }).expect(200);
      const [{ password_hash: rehashed }] = await db.query<{ password_hash: string }[]>('SELECT password_hash FROM users WHERE id = $1', [
        user.id,
      ]);
      expect(rehashed).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      await t.http().post('/api/auth/login').send({ username: user.username, password: user.password }).expect(200);
      await t.http().post('/api/auth/login').send({ username: user.username, password: 'not-the-password' }).expect(401);
    });

    it('400 for a missing field, an extra field or malformed JSON', async () => {
      await t.http().post('/api/auth/login').send({ username: 'admin' }).expect(400);
      await t
        .http()
        .post('/api/auth/login')
        .send({ ...ADMIN, admin: true })
        .expect(400);
      const res = await t.http().post('/api/auth/login').set('Content-Type', 'application/json').send('{"username":').expect(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    });
  });

  describe('token verification', () => {
    it('accepts a well-formed HS256 token signed with the secret', async () => {
      const token = jwt({ alg: 'HS256', typ: 'JWT' }, { sub: adminId, username: 'admin', iat: now(), exp: now() + 60 }, hs256(secret));
      await me(token).expect(200);
    });

    it('401 for an expired token', async () => {
      const token = jwt({ alg: 'HS256', typ: 'JWT' }, { sub: adminId, iat: now() - 120, exp: now() - 60 }, hs256(secret));
      const res = await me(token).expect(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
    });

    it('401 for alg: none', async () => {
      const token = jwt({ alg: 'none', typ: 'JWT' }, { sub: adminId, exp: now() + 60 }, () => '');
      await me(token).expect(401);
    });

    it('401 for a token signed with another secret', async () => {
      const token = jwt({ alg: 'HS256', typ: 'JWT' }, { sub: adminId, exp: now() + 60 }, hs256('some-other-secret-some-other-secret'));
      await me(token).expect(401);
    });

    it('401 for a token signed with a foreign RSA key (RS256)', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const token = jwt({ alg: 'RS256', typ: 'JWT' }, { sub: adminId, exp: now() + 60 }, (input) =>
        sign('sha256', Buffer.from(input), privateKey).toString('base64url'),
      );
      await me(token).expect(401);
    });

    // Verified tokens are remembered per instance (the jwt strategy's VerifiedTokens): that must never stretch a token's life or its text.
    it('a token accepted a moment ago is refused once it expires', async () => {
      const exp = now() + 2;
      const token = jwt({ alg: 'HS256', typ: 'JWT' }, { sub: adminId, iat: now(), exp }, hs256(secret));
      await me(token).expect(200);
      await me(token).expect(200);
      await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
      await me(token).expect(401);
    });

    it('a remembered token with its signature or payload changed is refused', async () => {
      const token = jwt({ alg: 'HS256', typ: 'JWT' }, { sub: adminId, iat: now(), exp: now() + 60 }, hs256(secret));
      await me(token).expect(200);
      const [header, payload, signature] = token.split('.');
      const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
      await me(`${header}.${payload}.${flipped}`).expect(401);
      await me(`${header}.${b64url({ sub: adminId, iat: now(), exp: now() + 3600 })}.${signature}`).expect(401);
    });

    it('401 for garbage, a token for a user that does not exist, and no token', async () => {
      await me('garbage').expect(401);
      await me(jwt({ alg: 'HS256' }, { sub: '00000000-0000-4000-8000-000000000000', exp: now() + 60 }, hs256(secret))).expect(401);
      await me(jwt({ alg: 'HS256' }, { sub: 'not-a-uuid', exp: now() + 60 }, hs256(secret))).expect(401);
      await t.http().get('/api/auth/me').expect(401);
    });
  });

  describe('/api/users (admin)', () => {
    it('creates a user (201) who can log in with the given roles', async () => {
      const res = await t
        .http()
        .post('/api/users')
        .set('Authorization', `Bearer ${t.adminToken}`)
        .send({ username: 'carol', password: 'carol-password', roles: ['editor'] })
        .expect(201);
      expect(res.body).toMatchObject({ username: 'carol', roles: ['editor'] });
      expect(bodyOf<Record<string, unknown>>(res).passwordHash).toBeUndefined();
      const token = await t.login('carol', 'carol-password');
      expect(bodyOf<Me>(await me(token).expect(200)).roles).toEqual(['editor']);
    });

    it('400 for an unknown role, a short password or a bad username', async () => {
      const post = (body: object) => t.http().post('/api/users').set('Authorization', `Bearer ${t.adminToken}`).send(body);
      await post({ username: 'dave', password: 'dave-password', roles: ['superuser'] }).expect(400);
      await post({ username: 'dave', password: 'short', roles: ['editor'] }).expect(400);
      await post({ username: 'da ve/..', password: 'dave-password', roles: ['editor'] }).expect(400);
    });

    it('409 for a taken username', async () => {
      const res = await t
        .http()
        .post('/api/users')
        .set('Authorization', `Bearer ${t.adminToken}`)
        .send({ username: 'admin', password: 'whatever-123', roles: [] })
        .expect(409);
      expect(bodyOf<Problem>(res).code).toBe('USERNAME_TAKEN');
    });

    it('lists users with paging', async () => {
      const res = await t.http().get('/api/users?limit=2&offset=0').set('Authorization', `Bearer ${t.adminToken}`).expect(200);
      expect(bodyOf<Page<User>>(res).items.length).toBeLessThanOrEqual(2);
      expect(bodyOf<Page<User>>(res).total).toBeGreaterThanOrEqual(2);
      await t.http().get('/api/users?limit=0').set('Authorization', `Bearer ${t.adminToken}`).expect(400);
      await t.http().get('/api/users?limit=abc').set('Authorization', `Bearer ${t.adminToken}`).expect(400);
    });

    it('403 for non-admins on every users route', async () => {
      const editor = await t.createUser(['editor']);
      const headers = { Authorization: `Bearer ${editor.token}` };
      await t.http().get('/api/users').set(headers).expect(403);
      await t
        .http()
        .post('/api/users')
        .set(headers)
        .send({ username: 'eve', password: 'eve-password', roles: ['admin'] })
        .expect(403);
      await t.http().delete(`/api/users/${editor.id}`).set(headers).expect(403);
    });

    it('deleting a user (204) stops their tokens at once; their files stay for admins', async () => {
      const user = await t.createUser(['editor']);
      const file = await t.http().post('/api/files').set('Authorization', `Bearer ${user.token}`).send(Buffer.from('orphan')).expect(201);
      await t.http().delete(`/api/users/${user.id}`).set('Authorization', `Bearer ${t.adminToken}`).expect(204);
      await me(user.token).expect(401);
      const meta = await t
        .http()
        .get(`/api/files/${bodyOf<MolgenisFile>(file).id}`)
        .set('Authorization', `Bearer ${t.adminToken}`)
        .expect(200);
      expect(bodyOf<MolgenisFile>(meta).owner).toBeNull();
    });

    it('404 for an unknown user, 409 for deleting yourself', async () => {
      await t.http().delete('/api/users/00000000-0000-4000-8000-000000000000').set('Authorization', `Bearer ${t.adminToken}`).expect(404);
      await t.http().delete('/api/users/not-a-uuid').set('Authorization', `Bearer ${t.adminToken}`).expect(404);
      await t.http().delete(`/api/users/${adminId}`).set('Authorization', `Bearer ${t.adminToken}`).expect(409);
    });
  });
});
