import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { collectBytes } from './support/bytes.js';
import { auth, bodyOf, Count, Deleted, FileGrant, MolgenisFile, Page, Problem } from './support/http.js';
import { startTestApp, TestApp } from './support/test-app.js';

type User = { id: string; username: string; token: string };

describe('per-file sharing (/api/files/{id}/permissions)', () => {
  let t: TestApp;
  let owner: User;
  let other: User;
  let viewer: User;
  let editorWithoutGrant: User;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await t.createUser(['editor']);
    other = await t.createUser(['editor']);
    viewer = await t.createUser(['viewer']);
    editorWithoutGrant = await t.createUser(['editor']);
  });
  afterAll(async () => {
    await t?.close();
  });

  const upload = async (token: string, content = `secret-${randomBytes(8).toString('hex')}`) => {
    const filename = `file-${randomBytes(6).toString('hex')}.txt`;
    const res = await t
      .http()
      .post('/api/files')
      .set(auth(token))
      .set({ 'Content-Type': 'text/plain', 'x-molgenis-filename': filename })
      .send(Buffer.from(content))
      .expect(201);
    return { id: bodyOf<MolgenisFile>(res).id, content, filename };
  };
  const share = (token: string, fileId: string, body: Record<string, unknown>) =>
    t.http().post(`/api/files/${fileId}/permissions`).set(auth(token)).send(body);

  it('a READ grant lets its holder read metadata and download in every dialect, not delete', async () => {
    const file = await upload(owner.token);
    await t.http().get(`/api/files/${file.id}`).set(auth(other.token)).expect(403);

    const res = await share(owner.token, file.id, { username: other.username, permission: 'READ' }).expect(201);
    expect(res.body).toMatchObject({
      fileId: file.id,
      username: other.username,
      userId: other.id,
      permission: 'READ',
      createdBy: owner.id,
    });
    expect(bodyOf<FileGrant>(res).id).toMatch(/^[0-9a-f-]{36}$/);

    const meta = await t.http().get(`/api/files/${file.id}`).set(auth(other.token)).expect(200);
    expect(meta.body).toMatchObject({ id: file.id, filename: file.filename });
    expect((await t.http().get(`/api/files/${file.id}?alt=media`).set(auth(other.token)).expect(200)).text).toBe(file.content);
    await t.http().head(`/api/files/${file.id}?alt=media`).set(auth(other.token)).expect(200);
    const hasura = await t.http().get(`/v1/file/${file.id}`).set(auth(other.token)).buffer(true).parse(collectBytes).expect(200);
    expect((hasura.body as Buffer).toString()).toBe(file.content);

    const denied = await t.http().delete(`/api/files/${file.id}`).set(auth(other.token)).expect(403);
    expect(bodyOf<Problem>(denied).detail).toMatch(/WRITE/);
    await t.http().delete(`/v1/file/${file.id}`).set(auth(other.token)).expect(403);
    await t.http().get(`/api/files/${file.id}`).set(auth(owner.token)).expect(200);
  });

  it('a WRITE grant also lets its holder delete, and manage the grants', async () => {
    const file = await upload(owner.token);
    await share(owner.token, file.id, { username: other.username, permission: 'WRITE' }).expect(201);
    const list = await t.http().get(`/api/files/${file.id}/permissions`).set(auth(other.token)).expect(200);
    expect(list.body).toHaveLength(1);
    await share(other.token, file.id, { username: viewer.username, permission: 'READ' }).expect(201);
    await t.http().delete(`/api/files/${file.id}`).set(auth(other.token)).expect(204);
    await t.http().get(`/api/files/${file.id}`).set(auth(owner.token)).expect(404);
  });

  it('a role grant applies to every user with that role and to no one else', async () => {
    const file = await upload(owner.token);
    await t.http().get(`/api/files/${file.id}`).set(auth(viewer.token)).expect(403);
    const res = await share(owner.token, file.id, { role: 'viewer', permission: 'READ' }).expect(201);
    expect(res.body).toMatchObject({ role: 'viewer', permission: 'READ' });
    expect(bodyOf<FileGrant>(res).username).toBeUndefined();
    const anotherViewer = await t.createUser(['viewer']);
    for (const user of [viewer, anotherViewer]) {
      expect((await t.http().get(`/api/files/${file.id}?alt=media`).set(auth(user.token)).expect(200)).text).toBe(file.content);
    }
    await t.http().get(`/api/files/${file.id}`).set(auth(editorWithoutGrant.token)).expect(403);
  });

  it("a grant never lifts a caller above their roles: a viewer's WRITE grant reads but does not delete", async () => {
    const file = await upload(owner.token);
    await share(owner.token, file.id, { username: viewer.username, permission: 'WRITE' }).expect(201);
    await t.http().get(`/api/files/${file.id}`).set(auth(viewer.token)).expect(200);
    const denied = await t.http().delete(`/api/files/${file.id}`).set(auth(viewer.token)).expect(403);
    expect(bodyOf<Problem>(denied).detail).toContain("'file:write'");
  });

  it('lists grants, re-granting changes the permission in place, and revoking takes effect at once', async () => {
    const file = await upload(owner.token);
    const first = await share(owner.token, file.id, { username: other.username, permission: 'READ' }).expect(201);
    const again = await share(owner.token, file.id, { username: other.username, permission: 'WRITE' }).expect(201);
    expect(again.body).toMatchObject({ id: bodyOf<FileGrant>(first).id, permission: 'WRITE' });
    await share(owner.token, file.id, { role: 'editor', permission: 'READ' }).expect(201);

    const list = await t.http().get(`/api/files/${file.id}/permissions`).set(auth(owner.token)).expect(200);
    expect(bodyOf<FileGrant[]>(list).map((g) => [g.username ?? g.role, g.permission])).toEqual([
      [other.username, 'WRITE'],
      ['editor', 'READ'],
    ]);

    const roleGrant = bodyOf<FileGrant[]>(list)[1].id;
    await t.http().get(`/api/files/${file.id}`).set(auth(editorWithoutGrant.token)).expect(200);
    await t.http().delete(`/api/files/${file.id}/permissions/${roleGrant}`).set(auth(owner.token)).expect(204);
    await t.http().get(`/api/files/${file.id}`).set(auth(editorWithoutGrant.token)).expect(403);
    await t.http().delete(`/api/files/${file.id}/permissions/${roleGrant}`).set(auth(owner.token)).expect(404);

    await t
      .http()
      .delete(`/api/files/${file.id}/permissions/${bodyOf<FileGrant>(first).id}`)
      .set(auth(owner.token))
      .expect(204);
    await t.http().get(`/api/files/${file.id}?alt=media`).set(auth(other.token)).expect(403);
  });

  it('only the owner, a WRITE holder or an admin manages grants (403 otherwise)', async () => {
    const file = await upload(owner.token);
    const grant = await share(owner.token, file.id, { username: viewer.username, permission: 'READ' }).expect(201);
    await share(other.token, file.id, { username: other.username, permission: 'WRITE' }).expect(403);
    await t.http().get(`/api/files/${file.id}/permissions`).set(auth(other.token)).expect(403);
    await t
      .http()
      .delete(`/api/files/${file.id}/permissions/${bodyOf<FileGrant>(grant).id}`)
      .set(auth(other.token))
      .expect(403);

    // A READ holder may read the file but not see or change who else may.
    await share(owner.token, file.id, { username: other.username, permission: 'READ' }).expect(201);
    const denied = await t.http().get(`/api/files/${file.id}/permissions`).set(auth(other.token)).expect(403);
    expect(bodyOf<Problem>(denied).detail).toMatch(/WRITE/);
    await share(other.token, file.id, { username: editorWithoutGrant.username, permission: 'READ' }).expect(403);

    const byAdmin = await share(t.adminToken, file.id, { username: editorWithoutGrant.username, permission: 'READ' }).expect(201);
    expect(bodyOf<FileGrant>(byAdmin).createdBy).not.toBe(owner.id);
    await t.http().get(`/api/files/${file.id}/permissions`).set(auth(t.adminToken)).expect(200);
  });

  it('answers 400 for bad requests and 404 for unknown files, users and grants', async () => {
    const file = await upload(owner.token);
    await share(owner.token, file.id, { username: `nobody-${randomBytes(4).toString('hex')}`, permission: 'READ' }).expect(404);
    const badRole = await share(owner.token, file.id, { role: 'superuser', permission: 'READ' }).expect(400);
    expect(bodyOf<Problem>(badRole).detail).toMatch(/role must be one of/);
    const badPermission = await share(owner.token, file.id, { username: other.username, permission: 'OWN' }).expect(400);
    expect(bodyOf<Problem>(badPermission).detail).toMatch(/READ or WRITE/);
    await share(owner.token, file.id, { username: other.username }).expect(400);
    await share(owner.token, file.id, { username: other.username, role: 'viewer', permission: 'READ' }).expect(400);
    await share(owner.token, file.id, { permission: 'READ' }).expect(400);
    await share(owner.token, file.id, { username: other.username, permission: 'READ', extra: 1 }).expect(400);
    await t
      .http()
      .post(`/api/files/${file.id}/permissions`)
      .set(auth(owner.token))
      .set('Content-Type', 'application/json')
      .send('{"username":')
      .expect(400);

    await share(owner.token, 'no-such-file', { username: other.username, permission: 'READ' }).expect(404);
    await t.http().get('/api/files/no-such-file/permissions').set(auth(owner.token)).expect(404);
    await t
      .http()
      .get(`/api/files/${'x'.repeat(300)}/permissions`)
      .set(auth(owner.token))
      .expect(404);
    await t.http().delete(`/api/files/${file.id}/permissions/not-a-uuid`).set(auth(owner.token)).expect(404);
    await t.http().delete(`/api/files/${file.id}/permissions/00000000-0000-4000-8000-000000000000`).set(auth(owner.token)).expect(404);

    // A grant id of another file does not work on this one.
    const otherFile = await upload(owner.token);
    const foreign = await share(owner.token, otherFile.id, { username: other.username, permission: 'READ' }).expect(201);
    await t
      .http()
      .delete(`/api/files/${file.id}/permissions/${bodyOf<FileGrant>(foreign).id}`)
      .set(auth(owner.token))
      .expect(404);
    await t.http().get(`/api/files/${otherFile.id}`).set(auth(other.token)).expect(200);
  });

  it('answers 401 without a token, with WWW-Authenticate: Bearer', async () => {
    const file = await upload(owner.token);
    const res = await t.http().get(`/api/files/${file.id}/permissions`).expect(401);
    // No credentials: the bare challenge (RFC 6750 §3.1); a bad token gets error and description.
    expect(res.headers['www-authenticate']).toBe('Bearer realm="stowage"');
    const bad = await t.http().get(`/api/files/${file.id}/permissions`).set(auth('not-a-token')).expect(401);
    expect(bad.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token".*error_description="/);
    await t.http().post(`/api/files/${file.id}/permissions`).send({ role: 'viewer', permission: 'READ' }).expect(401);
    await t.http().delete(`/api/files/${file.id}/permissions/00000000-0000-4000-8000-000000000000`).expect(401);
  });

  it('a viewer cannot manage grants at all, and is told which permission is missing', async () => {
    const file = await upload(owner.token);
    const res = await t.http().get(`/api/files/${file.id}/permissions`).set(auth(viewer.token)).expect(403);
    expect(bodyOf<Problem>(res).detail).toContain("'file:write'");
  });

  it('grants go with their file and with their grantee', async () => {
    const grantee = await t.createUser(['editor']);
    const file = await upload(owner.token);
    await share(owner.token, file.id, { username: grantee.username, permission: 'READ' }).expect(201);
    await t.http().delete(`/api/users/${grantee.id}`).set(auth(t.adminToken)).expect(204);
    expect((await t.http().get(`/api/files/${file.id}/permissions`).set(auth(owner.token)).expect(200)).body).toEqual([]);
    // A new user of the same name inherits nothing.
    const again = await t.createUser(['editor'], grantee.username);
    await t.http().get(`/api/files/${file.id}`).set(auth(again.token)).expect(403);
    await t.http().delete(`/api/files/${file.id}`).set(auth(owner.token)).expect(204);
    await t.http().get(`/api/files/${file.id}/permissions`).set(auth(owner.token)).expect(404);
  });

  it('listings include files shared with the caller (directly or by role), marked shared; counts agree', async () => {
    const lister = await t.createUser(['viewer']);
    const own = await t.createUser(['editor']);
    const mine = await upload(own.token);
    const direct = await upload(owner.token);
    const byRole = await upload(owner.token);
    const unshared = await upload(owner.token);
    await share(owner.token, direct.id, { username: lister.username, permission: 'READ' }).expect(201);
    await share(owner.token, byRole.id, { role: 'viewer', permission: 'READ' }).expect(201);

    const page = bodyOf<Page<MolgenisFile>>(await t.http().get('/api/files?limit=1000').set(auth(lister.token)).expect(200));
    const seen = new Map(page.items.map((f) => [f.id, f.shared]));
    expect(seen.get(direct.id)).toBe(true);
    expect(seen.get(byRole.id)).toBe(true);
    expect(seen.has(unshared.id)).toBe(false);
    expect(seen.has(mine.id)).toBe(false);
    expect(page.total).toBe(page.items.length);

    const ownPage = bodyOf<Page<MolgenisFile>>(await t.http().get('/api/files?limit=1000').set(auth(own.token)).expect(200));
    expect(ownPage.items.find((f) => f.id === mine.id)?.shared).toBe(false);
    expect(ownPage.items.map((f) => f.id)).not.toContain(direct.id);

    // The Appmixer dialect lists and counts through the same predicate.
    const appmixer = await t.http().get('/files?limit=1000').set(auth(lister.token)).expect(200);
    const appmixerIds = JSON.stringify(appmixer.body);
    expect(appmixerIds).toContain(direct.id);
    expect(appmixerIds).toContain(byRole.id);
    expect(appmixerIds).not.toContain(unshared.id);
    const count = await t.http().get('/files/count').set(auth(lister.token)).expect(200);
    expect(bodyOf<Count>(count).count).toBe(page.total);

    // Revoked: gone from the listing at once.
    const grants = await t.http().get(`/api/files/${direct.id}/permissions`).set(auth(owner.token)).expect(200);
    await t
      .http()
      .delete(`/api/files/${direct.id}/permissions/${bodyOf<FileGrant[]>(grants)[0].id}`)
      .set(auth(owner.token))
      .expect(204);
    const after = await t.http().get('/api/files?limit=1000').set(auth(lister.token)).expect(200);
    expect(bodyOf<Page<MolgenisFile>>(after).items.map((f) => f.id)).not.toContain(direct.id);
  });

  it('bulk deletes never touch files the caller does not own, even with a WRITE grant', async () => {
    const bulk = await t.createUser(['editor']);
    const theirs = await upload(bulk.token);
    const granted = await upload(owner.token);
    await share(owner.token, granted.id, { username: bulk.username, permission: 'WRITE' }).expect(201);
    const res = await t.http().delete('/files?filter=length:>=0').set(auth(bulk.token)).expect(200);
    expect(bodyOf<Deleted>(res).deletedCount).toBe(1);
    await t.http().get(`/api/files/${theirs.id}`).set(auth(bulk.token)).expect(404);
    expect((await t.http().get(`/api/files/${granted.id}?alt=media`).set(auth(owner.token)).expect(200)).text).toBe(granted.content);
  });

  describe("cross-user sweep: user B gets nothing of user A's unshared file, on every route", () => {
    it('no byte, no metadata and no listing entry through any /api/files, /files or /v1/file route', async () => {
      const a = await t.createUser(['editor']);
      const b = await t.createUser(['editor']);
      const file = await upload(a.token);
      // A shared file of A's must not open the unshared one either.
      const sharedFile = await upload(a.token);
      await share(a.token, sharedFile.id, { username: b.username, permission: 'READ' }).expect(201);

      const doc = (await t.http().get('/api/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
      const routes = Object.entries(doc.paths)
        .filter(([path]) => /^\/(api\/files|files|v1\/file)(\/|$)/.test(path))
        .flatMap(([path, methods]) =>
          Object.keys(methods)
            .filter((m) => ['get', 'head', 'post', 'put', 'patch', 'delete'].includes(m))
            .map((method) => ({ path, method })),
        );
      // The native and Hasura routes exist at least; whatever else exists is swept too.
      expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
        expect.arrayContaining(['get /api/files/{id}', 'delete /api/files/{id}', 'get /v1/file/{fileId}', 'delete /v1/file/{fileId}']),
      );

      // B names A's file id on the routes that take one (and may see it echoed in the error); a listing must not.
      const leaks = (text: string, named: boolean) =>
        text.includes(file.content) || text.includes(file.filename) || (!named && text.includes(file.id));
      const swept: string[] = [];
      for (const { path, method } of routes) {
        const withFile = path.includes('{');
        const url = path.replace(/\{[^}]+\}/g, (param) =>
          /grant/i.test(param) ? '00000000-0000-4000-8000-000000000000' : encodeURIComponent(file.id),
        );
        // Bulk variants too: a filter matching every file must still reach only B's own.
        const variants = withFile ? [url, `${url}?alt=media`] : [url, `${url}?limit=1000`, `${url}?filter=length:>=0`];
        for (const target of variants) {
          const req = t.http()[method as 'get'](target).set(auth(b.token));
          // A valid grant request on the sharing routes, so it is the permission check that answers.
          const withBody = () =>
            path.includes('permissions')
              ? req.send({ username: b.username, permission: 'WRITE' })
              : req.set('Content-Type', 'text/plain').send('from-b');
          const res = await (method === 'get' || method === 'head' || method === 'delete' ? req : withBody())
            .buffer(true)
            .parse(collectBytes);
          const text = Buffer.isBuffer(res.body) ? res.body.toString('latin1') : String(res.text ?? '');
          swept.push(`${method.toUpperCase()} ${target} -> ${res.status}`);
          expect({ route: `${method} ${target}`, leaks: leaks(text, withFile) || leaks(JSON.stringify(res.headers), withFile) }).toEqual({
            route: `${method} ${target}`,
            leaks: false,
          });
          // On a route naming A's file, B must be refused (a POST to a taken id is a conflict, not a write).
          if (withFile)
            expect({ route: `${method} ${target}`, refused: res.status >= 400 }).toEqual({ route: `${method} ${target}`, refused: true });
        }
      }
      expect(swept.length).toBeGreaterThanOrEqual(routes.length);

      // A's file is untouched, and the shared one B may read.
      expect((await t.http().get(`/api/files/${file.id}?alt=media`).set(auth(a.token)).expect(200)).text).toBe(file.content);
      expect((await t.http().get(`/api/files/${sharedFile.id}?alt=media`).set(auth(b.token)).expect(200)).text).toBe(sharedFile.content);
    });
  });
});
