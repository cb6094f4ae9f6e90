import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { createHmac, randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config/load-config.js';
import { auth, bodyOf, CreatedApiToken, Me, MolgenisFile, Page, Problem, User } from './support/http.js';
import { JwksServer, KeyPair, signIdpToken } from './support/jwks-server.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { quietLogs } from './support/test-logger.js';

const ISSUER = 'https://idp.test/realms/stowage';
const AUDIENCE = 'stowage';
type Key = KeyPair;
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('external identity provider (JWT_JWKS_URI)', () => {
  const jwks = new JwksServer();
  let t: TestApp;
  let rsa: Key;
  let ec: Key;
  let ps: Key;

  /** A Keycloak-like access token (roles under realm_access.roles), by default alice's. */
  const sign = (
    key: Key,
    options: {
      kid?: string;
      alg?: string;
      claims?: Record<string, unknown>;
      sub?: string;
      iss?: string;
      aud?: string;
      exp?: number | string;
      nbf?: number;
    } = {},
  ) => signIdpToken(key, { ...options, iss: options.iss ?? ISSUER, aud: options.aud ?? AUDIENCE });

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    await jwks.publish(rsa, 'rsa-1', 'RS256');
    await jwks.publish(ec, 'ec-1', 'ES256');
    ps = await generateKeyPair('PS256', { extractable: true });
    await jwks.publish(ps, 'ps-1', 'PS256');
    const jwksUri = await jwks.start();
    t = await startTestApp({
      JWT_JWKS_URI: jwksUri,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_ROLES_CLAIM: 'realm_access.roles',
      JWT_JWKS_COOLDOWN_SECONDS: '1',
    });
  });
  afterAll(async () => {
    await t?.close();
    await jwks.stop();
  });

  it('accepts RS256 and ES256 tokens of the IdP, with roles from a dotted claim, and records the user', async () => {
    const me = await t
      .http()
      .get('/api/auth/me')
      .set(auth(await sign(rsa)))
      .expect(200);
    expect(me.body).toMatchObject({ username: 'idp:alice', roles: ['editor'], permissions: ['file:read', 'file:write'] });
    const viaEc = await t
      .http()
      .get('/api/auth/me')
      .set('x-molgenis-token', await sign(ec, { alg: 'ES256', kid: 'ec-1' }))
      .expect(200);
    expect(bodyOf<Me>(viaEc).id).toBe(bodyOf<Me>(me).id);

    const users = await t.http().get('/api/users?limit=1000').set(auth(t.adminToken)).expect(200);
    expect(bodyOf<Page<User>>(users).items).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: bodyOf<Me>(me).id, username: 'idp:alice', roles: ['editor'] })]),
    );

    // The recorded user owns what they upload; the service's own HS256 tokens keep working beside the IdP's.
    const upload = await t
      .http()
      .post('/api/files')
      .set(auth(await sign(rsa)))
      .set('Content-Type', 'text/plain')
      .send('from the idp')
      .expect(201);
    expect(bodyOf<MolgenisFile>(upload).owner).toBe(bodyOf<Me>(me).id);
    await t
      .http()
      .get(`/api/files/${bodyOf<MolgenisFile>(upload).id}`)
      .set(auth(t.adminToken))
      .expect(200);
  });

  it('roles come from the token on every request; a viewer is told which permission is missing', async () => {
    const viewerToken = await sign(rsa, {
      sub: 'subject-victor',
      claims: { preferred_username: 'victor', realm_access: { roles: ['viewer'] } },
    });
    const res = await t.http().post('/api/files').set(auth(viewerToken)).send(Buffer.from('x')).expect(403);
    expect(bodyOf<Problem>(res).detail).toContain("'file:write'");
    const promoted = await sign(rsa, {
      sub: 'subject-victor',
      claims: { preferred_username: 'victor', realm_access: { roles: ['editor'] } },
    });
    await t.http().post('/api/files').set(auth(promoted)).send(Buffer.from('x')).expect(201);
    const none = await sign(rsa, {
      sub: 'subject-victor',
      claims: { preferred_username: 'victor', realm_access: { roles: ['uma_authorization'] } },
    });
    expect(bodyOf<Me>(await t.http().get('/api/auth/me').set(auth(none)).expect(200)).roles).toEqual([]);
    await t.http().get('/api/files/anything').set(auth(none)).expect(403);
  });

  it('falls back to sub for the display name', async () => {
    const token = await sign(rsa, { sub: '2b5c7a3e-0000-4000-8000-0000000000ff', claims: { preferred_username: undefined } });
    expect(bodyOf<Me>(await t.http().get('/api/auth/me').set(auth(token)).expect(200)).username).toBe(
      'idp:2b5c7a3e-0000-4000-8000-0000000000ff',
    );
  });

  it('an IdP account never becomes a local one of the same name', async () => {
    const token = await sign(rsa, { sub: 'subject-admin', claims: { preferred_username: 'admin', realm_access: { roles: ['editor'] } } });
    const me = await t.http().get('/api/auth/me').set(auth(token)).expect(200);
    expect(bodyOf<Me>(me).username).toBe('idp:admin');
    await t.http().get('/api/users').set(auth(token)).expect(403);
  });

  it('IdP users can be granted files and hold API tokens with their roles', async () => {
    const local = await t.createUser(['editor']);
    const bob = await sign(ec, { alg: 'ES256', kid: 'ec-1', sub: 'subject-bob', claims: { preferred_username: 'bob' } });
    await t.http().get('/api/auth/me').set(auth(bob)).expect(200); // first sight records idp:bob
    const file = bodyOf<MolgenisFile>(
      await t.http().post('/api/files').set(auth(local.token)).set('Content-Type', 'text/plain').send('for bob').expect(201),
    );
    await t.http().get(`/api/files/${file.id}`).set(auth(bob)).expect(403);
    await t
      .http()
      .post(`/api/files/${file.id}/permissions`)
      .set(auth(local.token))
      .send({ username: 'idp:bob', permission: 'READ' })
      .expect(201);
    await t.http().get(`/api/files/${file.id}?alt=media`).set(auth(bob)).expect(200, 'for bob');

    const apiToken = bodyOf<CreatedApiToken>(
      await t.http().post('/api/tokens').set(auth(bob)).send({ description: 'bob cli' }).expect(201),
    );
    const me = await t.http().get('/api/auth/me').set(auth(apiToken.token)).expect(200);
    expect(me.body).toMatchObject({ username: 'idp:bob', roles: ['editor'] });
    await t.http().get(`/api/files/${file.id}?alt=media`).set(auth(apiToken.token)).expect(200, 'for bob');
  });

  describe('refuses with 401 and WWW-Authenticate: Bearer', () => {
    const expect401 = async (token: string, reason: RegExp) => {
      const res = await t.http().get('/api/auth/me').set(auth(token));
      expect({ status: res.status, detail: bodyOf<Problem>(res).detail }).toEqual({ status: 401, detail: expect.stringMatching(reason) });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="stowage", error="invalid_token", error_description="Invalid token: /);
    };

    it('an expired token, or one not valid yet', async () => {
      await expect401(await sign(rsa, { exp: Math.floor(Date.now() / 1000) - 120 }), /expired/);
      await expect401(await sign(rsa, { nbf: Math.floor(Date.now() / 1000) + 3600 }), /"nbf"/);
    });

    it('a wrong issuer or audience', async () => {
      await expect401(await sign(rsa, { iss: 'https://evil.test/realms/stowage' }), /"iss"/);
      await expect401(await sign(rsa, { aud: 'another-client' }), /"aud"/);
    });

    it('an unknown kid, a known kid with a foreign key, and a key of the wrong type', async () => {
      const stranger = await generateKeyPair('RS256', { extractable: true });
      await expect401(await sign(stranger, { kid: 'nobody' }), /no key/);
      await expect401(await sign(stranger, { kid: 'rsa-1' }), /signature/);
      // RS256 claimed for the EC key's id: no RSA key matches.
      await expect401(await sign(rsa, { kid: 'ec-1' }), /no key/);
    });

    it('algorithms other than RS256/ES256, even with a key the IdP publishes (PS256)', async () => {
      await expect401(await sign(ps, { alg: 'PS256', kid: 'ps-1' }), /algorithm/);
    });

    it('alg none', async () => {
      const header = { alg: 'none', kid: 'rsa-1', typ: 'JWT' };
      const payload = {
        sub: 'x',
        preferred_username: 'mallory',
        realm_access: { roles: ['admin'] },
        iss: ISSUER,
        aud: AUDIENCE,
        exp: Math.floor(Date.now() / 1000) + 300,
      };
      await expect401(`${b64url(header)}.${b64url(payload)}.`, /./);
    });

    it('key confusion: HS256 "signed" with the IdP’s RSA public key', async () => {
      const pem = await exportSPKI(rsa.publicKey);
      const jwk = JSON.stringify(jwks.keys[0]);
      const payload = {
        sub: 'x',
        preferred_username: 'mallory',
        realm_access: { roles: ['admin'] },
        iss: ISSUER,
        aud: AUDIENCE,
        exp: Math.floor(Date.now() / 1000) + 300,
      };
      for (const secret of [pem, pem.trim(), jwk]) {
        const input = `${b64url({ alg: 'HS256', kid: 'rsa-1', typ: 'JWT' })}.${b64url(payload)}`;
        await expect401(`${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`, /signature/);
      }
    });
  });

  it('picks up a rotated key on an unknown kid, refetching at most once per cooldown', async () => {
    const rotated = await generateKeyPair('ES256', { extractable: true });
    await jwks.publish(rotated, 'ec-2', 'ES256');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // JWT_JWKS_COOLDOWN_SECONDS=1
    const before = jwks.fetches;
    await t
      .http()
      .get('/api/auth/me')
      .set(auth(await sign(rotated, { alg: 'ES256', kid: 'ec-2', sub: 'subject-carol', claims: { preferred_username: 'carol' } })))
      .expect(200);
    expect(jwks.fetches).toBe(before + 1);

    // A burst of unknown kids within the cooldown costs the IdP at most one more fetch.
    const stranger = await generateKeyPair('RS256', { extractable: true });
    const burst = await Promise.all(
      Array.from(
        { length: 20 },
        async (_, i) =>
          (
            await t
              .http()
              .get('/api/auth/me')
              .set(auth(await sign(stranger, { kid: `unknown-${i}-${randomBytes(3).toString('hex')}` })))
          ).status,
      ),
    );
    expect(burst.every((status) => status === 401)).toBe(true);
    expect(jwks.fetches - before - 1).toBeLessThanOrEqual(1);
    // Known keys keep working from the cache.
    await t
      .http()
      .get('/api/auth/me')
      .set(auth(await sign(rsa)))
      .expect(200);
  });

  it('with the JWKS endpoint down: cached keys keep working, an unknown kid is a 503 (it cannot be checked)', async () => {
    await t
      .http()
      .get('/api/auth/me')
      .set(auth(await sign(rsa)))
      .expect(200); // the keys are cached
    await jwks.stop();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the cooldown: the next unknown kid refetches
    const stranger = await generateKeyPair('ES256', { extractable: true });
    const token = await sign(stranger, { alg: 'ES256', kid: 'ec-9' });
    const res = await quietLogs(/IDENTITY_PROVIDER_UNAVAILABLE|Could not fetch the identity provider's keys/, () =>
      t
        .http()
        .get('/api/auth/me')
        .set(auth(token))
        .then((r) => r),
    );
    expect({ status: res.status, detail: bodyOf<Problem>(res).detail }).toEqual({
      status: 503,
      detail: expect.stringMatching(/keys could not be fetched/),
    });
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    await t
      .http()
      .get('/api/auth/me')
      .set(auth(await sign(rsa)))
      .expect(200);
  });

  it('config: JWT_JWKS_URI needs JWT_ISSUER and JWT_AUDIENCE; all three unset means HS256 only', () => {
    expect(() => loadConfig({ JWT_JWKS_URI: 'https://idp.test/certs' })).toThrow(/JWT_ISSUER is required[\s\S]*JWT_AUDIENCE is required/);
    expect(() => loadConfig({ JWT_JWKS_URI: 'not a url', JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE })).toThrow(
      /JWT_JWKS_URI must be an http\(s\) URL/,
    );
    expect(loadConfig({}).identityProvider).toBeUndefined();
    expect(loadConfig({ JWT_JWKS_URI: 'https://idp.test/certs', JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE }).identityProvider).toEqual({
      jwksUri: 'https://idp.test/certs',
      issuer: ISSUER,
      audience: AUDIENCE,
      rolesClaim: 'roles',
      usernameClaim: 'preferred_username',
      jwksCooldownSeconds: 30,
    });
  });
});

describe('without an identity provider', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses RS256 tokens with 401, and keeps accepting its own', async () => {
    const key = await generateKeyPair('RS256');
    const token = await new SignJWT({ preferred_username: 'alice', roles: ['admin'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .setSubject('alice')
      .setExpirationTime('5m')
      .sign(key.privateKey);
    const res = await t.http().get('/api/auth/me').set(auth(token)).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    await t.http().get('/api/auth/me').set(auth(t.adminToken)).expect(200);
  });
});
