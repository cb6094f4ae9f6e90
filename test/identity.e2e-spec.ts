import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPair } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../src/database/migrations/index.js';
import { IdpTokenOptions, JwksServer, KeyPair, signIdpToken } from './support/jwks-server.js';
import { ApiToken, auth, bodyOf, CreatedApiToken, Me, MolgenisFile, OpenApiDocument, Page, Problem } from './support/http.js';
import { quietLogs } from './support/test-logger.js';
import { ADMIN, realPostgresServerUrl, startTestApp, TestApp } from './support/test-app.js';

// Issue 14, identity part: each finding of the outside review, through real HTTP, with the test's own JWKS endpoint.

const ISSUER = 'https://idp.test/realms/stowage';
const AUDIENCE = 'stowage';
const IDP_ENV = { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_ROLES_CLAIM: 'realm_access.roles', JWT_JWKS_COOLDOWN_SECONDS: '1' };
const bearer = auth;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whatever these tests read from an answer: the caller, a file, a token, a page of tokens, a problem. */
type Answer = Me & MolgenisFile & CreatedApiToken & Page<ApiToken> & Problem;
const body = <T = Answer>(res: { body: unknown }): T => bodyOf<T>(res);

/** An IdP user: a subject, a display name and roles. */
const person = (sub: string, name: string | undefined, roles: string[] = ['editor'], extra: Partial<IdpTokenOptions> = {}) =>
  ({ sub, claims: { preferred_username: name, realm_access: { roles } }, ...extra }) as Partial<IdpTokenOptions>;

async function idpKeys(jwks: JwksServer): Promise<KeyPair> {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  await jwks.publish(rsa, 'rsa-1', 'RS256');
  return rsa;
}

describe('identity provider users', () => {
  const jwks = new JwksServer();
  let t: TestApp;
  let rsa: KeyPair;
  const sign = (options: Partial<IdpTokenOptions> = {}) => signIdpToken(rsa, { iss: ISSUER, aud: AUDIENCE, ...options });
  const me = async (token: string) => body(await t.http().get('/api/auth/me').set(bearer(token)).expect(200));
  const upload = (token: string, text: string) =>
    t.http().post('/api/files').set(bearer(token)).set('Content-Type', 'text/plain').send(text).expect(201);

  beforeAll(async () => {
    rsa = await idpKeys(jwks);
    t = await startTestApp({ ...IDP_ENV, JWT_JWKS_URI: await jwks.start() });
  });
  afterAll(async () => {
    await t?.close();
    await jwks.stop();
  });

  describe('identity is the subject, not the name', () => {
    it('two subjects with the same preferred_username are two accounts, and neither sees the other’s files', async () => {
      const first = await sign(person('subject-anna-1', 'anna'));
      const second = await sign(person('subject-anna-2', 'anna'));
      const a = await me(first);
      const b = await me(second);
      expect(a.id).not.toBe(b.id);
      // Display names stay unique: the second one gets a suffix.
      expect(a.username).toBe('idp:anna');
      expect(b.username).toBe('idp:anna~2');

      const file = body(await upload(first, 'anna one’s'));
      await t.http().get(`/api/files/${file.id}`).set(bearer(second)).expect(403);
      await t.http().get(`/api/files/${file.id}?alt=media`).set(bearer(second)).expect(403);
      const listing = await t.http().get('/api/files').set(bearer(second)).expect(200);
      expect(body(listing).items.map((item) => item.id)).not.toContain(file.id);
      // The same subject again is the same account.
      expect((await me(await sign(person('subject-anna-1', 'anna')))).id).toBe(a.id);
    });

    it('a subject whose sub equals another user’s name is another account', async () => {
      const bruno = await sign(person('subject-bruno', 'bruno'));
      // No preferred_username: the display name falls back to sub, which is "bruno".
      const impostor = await sign(person('bruno', undefined));
      const real = await me(bruno);
      const other = await me(impostor);
      expect(other.id).not.toBe(real.id);
      expect(real.username).toBe('idp:bruno');
      expect(other.username).toBe('idp:bruno~2');
      const file = body(await upload(bruno, 'bruno’s'));
      await t.http().get(`/api/files/${file.id}`).set(bearer(impostor)).expect(403);
    });

    it('a new display name at the IdP keeps the account and its files, under the new name', async () => {
      const before = await sign(person('subject-carla', 'carla'));
      const who = await me(before);
      const file = body(await upload(before, 'carla’s'));
      const renamed = await sign(person('subject-carla', 'carla.m'));
      const after = await me(renamed);
      expect(after).toMatchObject({ id: who.id, username: 'idp:carla.m' });
      await t.http().get(`/api/files/${file.id}?alt=media`).set(bearer(renamed)).expect(200, 'carla’s');
    });

    it('a display name the service cannot hold as it is is made to fit, not refused', async () => {
      const who = await me(await sign(person('subject-jose', 'José Martí')));
      expect(who.username).toMatch(/^idp:[A-Za-z0-9._@-]{1,60}$/);
      expect(who.username).toContain('Jos');
    });

    it('a token without a usable sub is 401', async () => {
      const res = await t
        .http()
        .get('/api/auth/me')
        .set(bearer(await sign(person('', 'nobody'))));
      expect({ status: res.status, detail: body(res).detail }).toEqual({ status: 401, detail: expect.stringContaining('"sub"') });
    });
  });

  it('every IdP token must expire: one without exp is 401', async () => {
    const res = await t
      .http()
      .get('/api/auth/me')
      .set(bearer(await sign(person('subject-eternal', 'eternal', ['admin'], { exp: null }))));
    expect({ status: res.status, detail: body(res).detail }).toEqual({ status: 401, detail: expect.stringContaining('"exp"') });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="stowage", error="invalid_token"/);
  });

  it('an IdP admin’s API token has the default scopes: it cannot manage users (403 naming users:manage)', async () => {
    const root = await sign(person('subject-root', 'root', ['admin']));
    await me(root);
    const created = await t.http().post('/api/tokens').set(bearer(root)).send({ description: 'cli' }).expect(201);
    expect(body(created).scopes).toEqual(['files:read', 'files:write']);
    const listed = await t.http().get('/api/tokens').set(bearer(root)).expect(200);
    expect(body(listed).items[0]).toMatchObject({ id: body(created).id, scopes: ['files:read', 'files:write'] });

    const secret = body(created).token;
    const denied = await t.http().get('/api/users').set(bearer(secret)).expect(403);
    expect(denied.body).toMatchObject({ code: 'INSUFFICIENT_SCOPE', detail: expect.stringContaining("'users:manage'") });
    const localAdmin = { username: `local-${randomBytes(3).toString('hex')}`, password: 'a-long-passphrase', roles: ['admin'] };
    const create = await t.http().post('/api/users').set(bearer(secret)).send(localAdmin).expect(403);
    expect(body(create).code).toBe('INSUFFICIENT_SCOPE');
    // Files it may: that is what its scopes are for.
    await upload(secret, 'via the token');
  });
});

describe('API tokens of IdP users cannot outlive the IdP account (IDP_TOKEN_MAX_IDLE_SECONDS)', () => {
  const jwks = new JwksServer();
  let t: TestApp;
  let rsa: KeyPair;
  const sign = (options: Partial<IdpTokenOptions> = {}) => signIdpToken(rsa, { iss: ISSUER, aud: AUDIENCE, ...options });

  beforeAll(async () => {
    rsa = await idpKeys(jwks);
    t = await startTestApp({ ...IDP_ENV, JWT_JWKS_URI: await jwks.start(), IDP_TOKEN_MAX_IDLE_SECONDS: '2' });
  });
  afterAll(async () => {
    await t?.close();
    await jwks.stop();
  });

  it('an IdP admin disabled at the IdP loses the admin powers of their token once idle, and gets them back after signing in', async () => {
    const root = await sign(person('subject-root', 'root', ['admin']));
    await t.http().get('/api/auth/me').set(bearer(root)).expect(200);
    const secret = body(
      await t
        .http()
        .post('/api/tokens')
        .set(bearer(root))
        .send({ description: 'automation', scopes: ['files:read', 'files:write', 'users:manage'] })
        .expect(201),
    ).token;
    await t.http().get('/api/users').set(bearer(secret)).expect(200);
    const local = await t.createUser(['editor']);
    const localSecret = body(await t.http().post('/api/tokens').set(bearer(local.token)).send({ description: 'local' }).expect(201)).token;

    // The IdP stops issuing tokens to root (disabled there): no IdP request for longer than the idle limit.
    await sleep(2600);
    const refused = await t.http().get('/api/auth/me').set(bearer(secret)).expect(401);
    expect(body(refused).detail).toMatch(/has not signed in through the identity provider/);
    expect(body(refused).detail).toMatch(/sign in/i);
    expect(refused.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    const newAdmin = { username: `local-${randomBytes(3).toString('hex')}`, password: 'a-long-passphrase', roles: ['admin'] };
    await t.http().post('/api/users').set(bearer(secret)).send(newAdmin).expect(401);
    // Local users' tokens do not depend on the IdP.
    await t.http().get('/api/auth/me').set(bearer(localSecret)).expect(200);

    // Signing in through the IdP again brings the token back.
    await t.http().get('/api/auth/me').set(bearer(root)).expect(200);
    await t.http().get('/api/users').set(bearer(secret)).expect(200);
  });
});

/** What the service logs during an IdP outage: expected here, kept out of the output. */
const OUTAGE_LOGS = /IDENTITY_PROVIDER_UNAVAILABLE|Could not fetch the identity provider's keys/;

describe('an identity provider whose keys cannot be fetched', () => {
  const jwks = new JwksServer();
  let t: TestApp;
  let rsa: KeyPair;
  const sign = (options: Partial<IdpTokenOptions> = {}) => signIdpToken(rsa, { iss: ISSUER, aud: AUDIENCE, ...options });

  beforeAll(async () => {
    rsa = await idpKeys(jwks);
    jwks.failWith = 502;
    t = await startTestApp({ ...IDP_ENV, JWT_JWKS_URI: await jwks.start() });
  });
  afterAll(async () => {
    await t?.close();
    await jwks.stop();
  });

  it('answers 503 IDENTITY_PROVIDER_UNAVAILABLE with Retry-After, in each dialect’s error shape (a 5xx from the JWKS endpoint)', () =>
    quietLogs(OUTAGE_LOGS, async () => {
      const token = await sign();
      const native = await t.http().get('/api/auth/me').set(bearer(token));
      expect({ status: native.status, type: native.headers['content-type'] }).toEqual({
        status: 503,
        type: expect.stringMatching(/^application\/problem\+json/),
      });
      expect(native.body).toMatchObject({ status: 503, code: 'IDENTITY_PROVIDER_UNAVAILABLE', detail: expect.stringMatching(/keys/) });
      expect(native.headers['retry-after']).toMatch(/^[1-9]\d*$/);

      const appmixer = await t.http().get('/files').set(bearer(token));
      expect(appmixer.status).toBe(503);
      expect(appmixer.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: expect.any(String),
        code: 'IDENTITY_PROVIDER_UNAVAILABLE',
      });
      expect(appmixer.headers['retry-after']).toMatch(/^[1-9]\d*$/);

      const hasura = await t.http().get('/v1/file/some-file').set(bearer(token));
      expect(hasura.status).toBe(503);
      expect(hasura.body).toEqual({ error: expect.any(String), code: 'IDENTITY_PROVIDER_UNAVAILABLE' });
      expect(hasura.headers['retry-after']).toMatch(/^[1-9]\d*$/);

      // Our own tokens do not need the IdP.
      await t.http().get('/api/auth/me').set(bearer(t.adminToken)).expect(200);
    }));

  it('once the keys are fetched: a cached key keeps working while the endpoint refuses connections, an unknown kid is 503', () =>
    quietLogs(OUTAGE_LOGS, async () => {
      jwks.failWith = undefined;
      await sleep(1100); // the cooldown after the failed fetches
      await t
        .http()
        .get('/api/auth/me')
        .set(bearer(await sign()))
        .expect(200);
      // An unknown kid while the IdP answers: no key matches, a plain 401.
      const stranger = await generateKeyPair('RS256', { extractable: true });
      const unknown = await t
        .http()
        .get('/api/auth/me')
        .set(bearer(await signIdpToken(stranger, { iss: ISSUER, aud: AUDIENCE, kid: 'rotated-1' })));
      expect({ status: unknown.status, detail: body(unknown).detail }).toEqual({ status: 401, detail: expect.stringMatching(/no key/) });

      await jwks.stop(); // connection refused from now on
      await sleep(1100);
      const down = await t
        .http()
        .get('/api/auth/me')
        .set(bearer(await signIdpToken(stranger, { iss: ISSUER, aud: AUDIENCE, kid: 'rotated-2' })));
      expect({ status: down.status, code: body(down).code }).toEqual({ status: 503, code: 'IDENTITY_PROVIDER_UNAVAILABLE' });
      expect(down.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      await t
        .http()
        .get('/api/auth/me')
        .set(bearer(await sign()))
        .expect(200);
    }));

  it('documents the 503 on authenticated routes', async () => {
    const doc = body<OpenApiDocument>(await t.http().get('/api/docs-json').expect(200));
    expect(doc.paths['/api/auth/me'].get.responses['503']).toBeDefined();
    expect(doc.paths['/files'].get.responses['503']).toBeDefined();
    expect(doc.paths['/v1/file/{fileId}'].get.responses['503'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/HasuraErrorDto',
    );
    // Public routes take no credentials: no IdP outage there.
    expect(doc.paths['/api/auth/login'].post.responses['503']?.description ?? '').not.toContain('IDENTITY_PROVIDER_UNAVAILABLE');
    expect(doc.paths['/api/auth/me'].get.responses['503'].description).toContain('IDENTITY_PROVIDER_UNAVAILABLE');
  });
});

describe('migration of the IdP users and API tokens recorded before (iss, sub) and scopes', () => {
  const jwks = new JwksServer();
  let t: TestApp;
  let rsa: KeyPair;
  let databaseUrl: string;
  let dropDatabase: () => Promise<void>;
  const sign = (options: Partial<IdpTokenOptions> = {}) => signIdpToken(rsa, { iss: ISSUER, aud: AUDIENCE, ...options });
  const secrets = { ops: 'stw_' + 'o'.repeat(43), dora: 'stw_' + 'd'.repeat(43), sam: 'stw_' + 's'.repeat(43) };
  const ids = { ops: '', dora: '', sam: '' };

  beforeAll(async () => {
    // A database on the schema of the release before: every migration older than this work's.
    const name = `stowage_test_${randomBytes(6).toString('hex')}`;
    const server = realPostgresServerUrl();
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(server);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    };
    const old = new DataSource({
      type: 'postgres',
      url: databaseUrl,
      migrations: MIGRATIONS.filter((migration) => Number(/\d{13}$/.exec(migration.name)![0]) < 1765100000000),
    });
    await old.initialize();
    await old.runMigrations();
    const user = async (username: string, roles: string[]) =>
      (
        await old.query<{ id: string }[]>(`INSERT INTO users (username, password_hash, roles) VALUES ($1, 'x', $2) RETURNING id`, [
          username,
          roles,
        ])
      )[0].id;
    ids.ops = await user('ops', ['admin']);
    // Recorded by the old code from preferred_username, and from sub (no preferred_username in that token).
    ids.dora = await user('idp:dora', ['admin']);
    ids.sam = await user('idp:subject-sam', ['editor']);
    for (const [key, owner] of [
      ['ops', ids.ops],
      ['dora', ids.dora],
      ['sam', ids.sam],
    ] as const) {
      await old.query(`INSERT INTO api_tokens (user_id, token_hash, description) VALUES ($1, $2, 'old')`, [
        owner,
        createHash('sha256').update(secrets[key]).digest('hex'),
      ]);
      await old.query(
        `INSERT INTO file_meta (id, filename, content_type, size, sha256, md5, storage_key, owner_id)
         VALUES ($1, $2, 'text/plain', 0, $3, $4, $5, $6)`,
        [`old-file-of-${key}`, `${key}.txt`, 'e'.repeat(64), 'f'.repeat(32), `old-object-of-${key}`, owner],
      );
    }
    await old.destroy();

    rsa = await idpKeys(jwks);
    t = await startTestApp({ ...IDP_ENV, JWT_JWKS_URI: await jwks.start(), DATABASE_URL: databaseUrl });
  });
  afterAll(async () => {
    await t?.close();
    await jwks.stop();
    await dropDatabase?.();
  });

  it('an old idp:<name> row becomes the account of the subject whose token named it: same id, same files', async () => {
    const dora = await sign(person('subject-dora', 'dora', ['admin']));
    expect(body(await t.http().get('/api/auth/me').set(bearer(dora)).expect(200))).toMatchObject({ id: ids.dora, username: 'idp:dora' });
    expect(body(await t.http().get('/api/files/old-file-of-dora').set(bearer(dora)).expect(200)).owner).toBe(ids.dora);
    // Another subject with the same name later: a new account, no access.
    const other = await sign(person('subject-dora-2', 'dora'));
    const second = body(await t.http().get('/api/auth/me').set(bearer(other)).expect(200));
    expect(second.id).not.toBe(ids.dora);
    await t.http().get('/api/files/old-file-of-dora').set(bearer(other)).expect(403);

    // A row the old code named after sub (no username claim) goes to that subject.
    const sam = await sign(person('subject-sam', undefined));
    expect(body(await t.http().get('/api/auth/me').set(bearer(sam)).expect(200)).id).toBe(ids.sam);
  });

  it('old tokens: a local admin’s keep their powers; IdP users’ get the default scopes and wait for a sign-in', async () => {
    await t.http().get('/api/users').set(bearer(secrets.ops)).expect(200);
    const opsTokens = await t.http().get('/api/tokens').set(bearer(secrets.ops)).expect(200);
    expect(body(opsTokens).items[0].scopes).toEqual(['files:read', 'files:write', 'users:manage']);

    // dora signed in above: her old token works, with the default scopes only.
    await t.http().get('/api/files/old-file-of-dora').set(bearer(secrets.dora)).expect(200);
    expect(body(await t.http().get('/api/users').set(bearer(secrets.dora)).expect(403)).code).toBe('INSUFFICIENT_SCOPE');
    expect(body(await t.http().get('/api/tokens').set(bearer(secrets.dora)).expect(200)).items[0].scopes).toEqual([
      'files:read',
      'files:write',
    ]);
  });
});

describe('recovering a lost admin password (ADMIN_PASSWORD_RESET)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('with ADMIN_PASSWORD_RESET=true, ADMIN_PASSWORD is applied to the admin at start, and the admin role restored', async () => {
    const db = t.app.get(DataSource);
    // Lost: nobody knows the password any more, and the account was even demoted.
    await db.query(`UPDATE users SET roles = '{}' WHERE username = $1`, [ADMIN.username]);
    // The service says so in its log (a warning), kept out of the output here.
    t = await quietLogs(/ADMIN_PASSWORD_RESET=true/, () => t.restart({ ADMIN_PASSWORD: 'the-new-password', ADMIN_PASSWORD_RESET: 'true' }));
    await t.http().post('/api/auth/login').send(ADMIN).expect(401);
    const token = body(
      await t.http().post('/api/auth/login').send({ username: ADMIN.username, password: 'the-new-password' }).expect(200),
    ).token;
    expect(body(await t.http().get('/api/auth/me').set(bearer(token)).expect(200)).roles).toEqual(['admin']);
    await t.http().get('/api/users').set(bearer(token)).expect(200);
  });
});
