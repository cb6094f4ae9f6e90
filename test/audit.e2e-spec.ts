import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { AuditAction } from '../src/audit/audit-action.js';
import { AuditService } from '../src/audit/audit.service.js';
import { auth, bodyOf, MolgenisFile, Page } from './support/http.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { captureLogs } from './support/test-logger.js';
import { eventually } from './support/webhook-receiver.js';

interface AuditEntry {
  id: string;
  at: string;
  actorId: string | null;
  actorName: string | null;
  clientAddress: string | null;
  action: string;
  fileId: string | null;
  target: string | null;
  outcome: 'success' | 'failure';
  errorCode: string | null;
}

describe('audit trail (GET /api/audit)', () => {
  let t: TestApp;
  let db: pg.Client;

  beforeAll(async () => {
    // TRUST_PROXY=true: the client address is the one X-Forwarded-For names, as behind a gateway.
    t = await startTestApp({ TRUST_PROXY: 'true', AUDIT_RETENTION_DAYS: '30', AUDIT_PRUNE_INTERVAL_SECONDS: '1' }, { realDatabase: true });
    db = new pg.Client({ connectionString: t.testEnv.env.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const audit = async (query: Record<string, string | number> = {}, token = t.adminToken) =>
    bodyOf<Page<AuditEntry>>(await t.http().get('/api/audit').query(query).set(auth(token)).expect(200));
  /** Entries are written in the background, moments after the answer: wait for `count` of them. */
  const awaitEntries = (query: Record<string, string>, count: number) =>
    eventually(async () => {
      const page = await audit(query);
      expect(page.total).toBeGreaterThanOrEqual(count);
      return page.items;
    });
  const upload = async (token: string, from = '203.0.113.7') =>
    bodyOf<MolgenisFile>(
      await t
        .http()
        .post('/api/files')
        .set(auth(token))
        .set({ 'x-molgenis-filename': 'audited.txt', 'X-Forwarded-For': from })
        .send(Buffer.from(`audited ${randomBytes(4).toString('hex')}`))
        .expect(201),
    );

  it('records every kind of action with who, from where, what and how it ended', async () => {
    const editor = await t.createUser(['editor']);
    const other = await t.createUser(['editor']);
    const file = await upload(editor.token);
    await t.http().get(`/api/files/${file.id}?alt=media`).set(auth(editor.token)).expect(200);
    // Refused: a failure, with the code the caller got.
    await t.http().get(`/api/files/${file.id}?alt=media`).set(auth(other.token)).set('X-Forwarded-For', '198.51.100.9').expect(403);
    // The metadata GET is not a download.
    await t.http().get(`/api/files/${file.id}`).set(auth(editor.token)).expect(200);
    const grant = await t
      .http()
      .post(`/api/files/${file.id}/permissions`)
      .set(auth(editor.token))
      .send({ username: other.username, permission: 'READ' })
      .expect(201);
    await t
      .http()
      .delete(`/api/files/${file.id}/permissions/${bodyOf<{ id: string }>(grant).id}`)
      .set(auth(editor.token))
      .expect(204);
    const token = await t.http().post('/api/tokens').set(auth(editor.token)).send({ description: 'audited' }).expect(201);
    const tokenId = bodyOf<{ id: string }>(token).id;
    await t.http().delete(`/api/tokens/${tokenId}`).set(auth(editor.token)).expect(204);
    await t.http().delete(`/api/files/${file.id}`).set(auth(editor.token)).expect(204);
    await t
      .http()
      .post('/api/auth/login')
      .set('X-Forwarded-For', '192.0.2.44')
      .send({ username: other.username, password: 'wrong' })
      .expect(401);
    const doomed = await t.createUser(['viewer']);
    await t.http().delete(`/api/users/${doomed.id}`).set(auth(t.adminToken)).expect(204);

    const byFile = await awaitEntries({ fileId: file.id }, 6);
    expect(byFile.map((e) => [e.action, e.outcome, e.actorName])).toEqual([
      ['file.delete', 'success', editor.username],
      ['file.unshare', 'success', editor.username],
      ['file.share', 'success', editor.username],
      ['file.download', 'failure', other.username],
      ['file.download', 'success', editor.username],
      ['file.upload', 'success', editor.username],
    ]);
    const upload_ = byFile.find((e) => e.action === 'file.upload')!;
    expect(upload_).toMatchObject({ actorId: editor.id, clientAddress: '203.0.113.7', errorCode: null });
    expect(byFile.find((e) => e.outcome === 'failure')).toMatchObject({
      actorId: other.id,
      clientAddress: '198.51.100.9',
      errorCode: 'FORBIDDEN',
    });

    const tokens = await awaitEntries({ actor: editor.id, action: 'token.create' }, 1);
    expect(tokens[0]).toMatchObject({ target: tokenId, outcome: 'success' });
    expect((await awaitEntries({ actor: editor.username, action: 'token.revoke' }, 1))[0]).toMatchObject({ target: tokenId });

    const failedLogin = (await awaitEntries({ action: 'login.failed', actor: other.username }, 1))[0];
    expect(failedLogin).toMatchObject({ actorId: null, clientAddress: '192.0.2.44', outcome: 'failure', errorCode: 'UNAUTHENTICATED' });

    const created = await awaitEntries({ action: 'user.create' }, 3);
    expect(created.map((e) => e.target)).toEqual(expect.arrayContaining([editor.id, other.id, doomed.id]));
    expect(created.find((e) => e.target === doomed.id)).toMatchObject({ actorName: 'admin', outcome: 'success' });
    expect((await awaitEntries({ action: 'user.delete' }, 1))[0]).toMatchObject({ target: doomed.id, actorName: 'admin' });
  });

  it('filters by actor, action, file id and time, and pages newest first', async () => {
    const editor = await t.createUser(['editor']);
    const before = new Date();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await upload(editor.token)).id);
    const all = await awaitEntries({ actor: editor.id, action: 'file.upload' }, 5);
    expect(all.map((e) => e.fileId)).toEqual([...ids].reverse());

    const first = await audit({ actor: editor.id, action: 'file.upload', limit: 2, offset: 0 });
    const second = await audit({ actor: editor.id, action: 'file.upload', limit: 2, offset: 2 });
    expect(first).toMatchObject({ total: 5, limit: 2, offset: 0 });
    expect([...first.items, ...second.items].map((e) => e.fileId)).toEqual([ids[4], ids[3], ids[2], ids[1]]);

    expect((await audit({ fileId: ids[2] })).items.map((e) => e.fileId)).toEqual([ids[2]]);
    const at = all.find((e) => e.fileId === ids[2])!.at;
    expect((await audit({ actor: editor.id, action: 'file.upload', to: at })).items.map((e) => e.fileId)).toEqual([ids[1], ids[0]]);
    expect((await audit({ actor: editor.id, action: 'file.upload', from: at })).total).toBe(3);
    expect((await audit({ actor: editor.id, from: new Date(Date.now() + 60_000).toISOString() })).total).toBe(0);
    expect((await audit({ actor: editor.id, from: before.toISOString(), action: 'file.delete' })).total).toBe(0);

    await t.http().get('/api/audit').query({ action: 'nonsense' }).set(auth(t.adminToken)).expect(400);
    await t.http().get('/api/audit').query({ from: 'yesterday' }).set(auth(t.adminToken)).expect(400);
    await t.http().get('/api/audit').query({ limit: 0 }).set(auth(t.adminToken)).expect(400);
  });

  it('is for admins only', async () => {
    const editor = await t.createUser(['editor']);
    await t.http().get('/api/audit').set(auth(editor.token)).expect(403);
    await t.http().get('/api/audit').expect(401);
  });

  it('prunes entries older than AUDIT_RETENTION_DAYS on its schedule, and only those', async () => {
    const old = await db.query<{ id: string }>(
      `INSERT INTO audit_log (at, actor_name, action, outcome) VALUES (now() - interval '31 days', 'ancient', 'file.upload', 'success') RETURNING id`,
    );
    const recent = await db.query<{ id: string }>(
      `INSERT INTO audit_log (at, actor_name, action, outcome) VALUES (now() - interval '29 days', 'ancient', 'file.upload', 'success') RETURNING id`,
    );
    await eventually(async () => {
      const { rows } = await db.query<{ id: string }>(`SELECT id::text FROM audit_log WHERE actor_name = 'ancient'`);
      expect(rows.map((r) => r.id)).toEqual([String(recent.rows[0].id)]);
    });
    expect(old.rows).toHaveLength(1);
  });
});

describe('audit trail switched off (AUDIT_ENABLED=false)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ AUDIT_ENABLED: 'false' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('records nothing', async () => {
    const editor = await t.createUser(['editor']);
    await t.http().post('/api/files').set(auth(editor.token)).set('x-molgenis-filename', 'x.txt').send(Buffer.from('x')).expect(201);
    await t.http().post('/api/auth/login').send({ username: editor.username, password: 'wrong' }).expect(401);
    // A restart flushes any entry still being written (as every shutdown does), so none can arrive after the check.
    t = await t.restart();
    const page = bodyOf<Page<unknown>>(await t.http().get('/api/audit').set(auth(t.adminToken)).expect(200));
    expect(page.total).toBe(0);
  });
});

describe('an audit entry after shutdown', () => {
  it('is dropped with a warning that says why, not an error', async () => {
    const t = await startTestApp();
    const audit = t.app.get(AuditService);
    await t.close();
    const lines = await captureLogs(async (seen) => {
      // As a request cut off by the shutdown grace would, once the database pool is gone.
      audit.record(AuditAction.FileUpload, { fileId: 'late-file' });
      await eventually(() => expect(seen.length).toBeGreaterThan(0));
    });
    expect(lines).toEqual([
      {
        level: 'warn',
        text: expect.stringContaining(
          'Dropped the audit entry file.upload on late-file: its request ended after the service had shut down',
        ),
      },
    ]);
  });
});
