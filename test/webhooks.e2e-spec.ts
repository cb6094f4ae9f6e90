import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { auth, bodyOf, MolgenisFile, Page } from './support/http.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { quietLogs } from './support/test-logger.js';
import { eventually, signatureVerifies, WebhookReceiver } from './support/webhook-receiver.js';

const SECRET = 'whsec-' + randomBytes(16).toString('hex');

interface Delivery {
  id: string;
  eventId: string;
  event: string;
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
  results: { at: string; statusCode: number | null; error: string | null }[];
  payload: { id: string; type: string; data: { file: { id: string; filename: string } } };
}

/** Fast retries and polls: the waits a test would otherwise sit through are the backoff's, not the test's. */
const fast = (receivers: WebhookReceiver[]) => ({
  WEBHOOK_URLS: receivers.map((r) => r.url).join(','),
  WEBHOOK_SECRET: SECRET,
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '100',
  WEBHOOK_TIMEOUT_MS: '2000',
});

describe('webhooks (WEBHOOK_URLS, WEBHOOK_SECRET)', () => {
  let t: TestApp | undefined;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (start = true) => {
    const r = new WebhookReceiver();
    receivers.push(r);
    return start ? r.start() : r.reservePort();
  };
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await Promise.all(receivers.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    await t?.close();
  });

  const upload = async (app: TestApp, token: string, filename = 'hooked.txt') =>
    bodyOf<MolgenisFile>(
      await app
        .http()
        .post('/api/files')
        .set(auth(token))
        .set({ 'x-molgenis-filename': filename, 'Content-Type': 'text/plain' })
        .send(Buffer.from(`hook ${randomBytes(4).toString('hex')}`))
        .expect(201),
    );
  const deliveries = async (app: TestApp, query: Record<string, string | number> = {}) =>
    bodyOf<Page<Delivery>>(await app.http().get('/api/webhooks/deliveries').query(query).set(auth(app.adminToken)).expect(200));

  it('sends file.created, file.shared and file.deleted, signed, to every receiver; lists deliveries to admins', async () => {
    const [one, two] = [await receiver(), await receiver()];
    t = await startTestApp(fast([one, two]));
    const editor = await t.createUser(['editor']);
    const other = await t.createUser(['viewer']);
    const file = await upload(t, editor.token, 'report.pdf');
    await t
      .http()
      .post(`/api/files/${file.id}/permissions`)
      .set(auth(editor.token))
      .send({ username: other.username, permission: 'READ' })
      .expect(201);
    await t.http().delete(`/api/files/${file.id}`).set(auth(editor.token)).expect(204);

    for (const r of [one, two]) {
      await eventually(() => expect(r.received).toHaveLength(3));
      expect(r.received.map((hook) => hook.headers['stowage-event']).sort()).toEqual(['file.created', 'file.deleted', 'file.shared']);
      for (const hook of r.received) {
        expect(hook.headers['content-type']).toBe('application/json');
        expect(signatureVerifies(SECRET, hook)).toBe(true);
        // A body changed in transit, or signed with another secret, does not verify.
        expect(signatureVerifies(SECRET, { ...hook, body: hook.body.replace('report', 'rep0rt') })).toBe(false);
        expect(signatureVerifies('another-secret-entirely', hook)).toBe(false);
      }
    }
    const created = JSON.parse(one.ofEvent('file.created')[0].body) as Delivery['payload'] & { occurredAt: string };
    expect(created).toMatchObject({
      type: 'file.created',
      data: {
        file: { id: file.id, filename: 'report.pdf', contentType: 'text/plain', size: file.size, sha256: file.sha256, ownerId: editor.id },
      },
    });
    expect(JSON.parse(one.ofEvent('file.shared')[0].body)).toMatchObject({
      type: 'file.shared',
      data: { file: { id: file.id }, grant: { userId: other.id, role: null, permission: 'READ' } },
    });
    expect(JSON.parse(one.ofEvent('file.deleted')[0].body)).toMatchObject({ type: 'file.deleted', data: { file: { id: file.id } } });
    // One event, one id, in both receivers' deliveries; each delivery its own Stowage-Delivery.
    expect(JSON.parse(two.ofEvent('file.created')[0].body)).toMatchObject({ id: created.id });
    const ids = [...one.received, ...two.received].map((hook) => hook.headers['stowage-delivery']);
    expect(new Set(ids).size).toBe(6);

    const page = await eventually(async () => {
      const p = await deliveries(t!, { status: 'delivered' });
      expect(p.total).toBe(6);
      return p;
    });
    expect(page.items[0]).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, nextAttemptAt: null });
    expect(page.items[0].results).toEqual([expect.objectContaining({ statusCode: 200, error: null })]);
    expect((await deliveries(t, { limit: 2, offset: 4 })).items).toHaveLength(2);

    await t.http().get('/api/webhooks/deliveries').set(auth(editor.token)).expect(403);
    await t.http().get('/api/webhooks/deliveries').expect(401);
    await t.http().get('/api/webhooks/deliveries').query({ status: 'lost' }).set(auth(t.adminToken)).expect(400);
  });

  it('retries a receiver that is down or failing, with growing delays, and delivers once it is back, across a restart', async () => {
    const down = await receiver(false);
    t = await startTestApp(fast([down]));
    const editor = await t.createUser(['editor']);
    const file = await upload(t, editor.token);

    // Refused connections, retried: the attempts and their errors are on record.
    const failing = await eventually(async () => {
      const [d] = (await deliveries(t!)).items;
      // `attempts` counts an attempt when it is claimed, `results` once it has ended: wait for three ended ones.
      expect(d.results.length).toBeGreaterThanOrEqual(3);
      return d;
    });
    expect(failing).toMatchObject({ status: 'pending', deliveredAt: null, lastStatusCode: null });
    expect(failing.lastError).toMatch(/ECONNREFUSED|fetch failed/);
    const gaps = failing.results.slice(1).map((r, i) => Date.parse(r.at) - Date.parse(failing.results[i].at));
    expect(gaps[1]).toBeGreaterThan(gaps[0]);

    // Nothing kept in memory: the event survives a restart, and the receiver answering 500 is retried too.
    t = await t.restart();
    down.status = 500;
    await down.start();
    await eventually(async () => {
      const [d] = (await deliveries(t!)).items;
      expect(d.lastStatusCode).toBe(500);
    });
    down.status = 200;
    const delivered = await eventually(async () => {
      const [d] = (await deliveries(t!)).items;
      expect(d.status).toBe('delivered');
      return d;
    });
    expect(delivered.attempts).toBeGreaterThan(failing.attempts);
    expect(delivered.results.at(-1)).toMatchObject({ statusCode: 200 });
    const hooks = down.received.filter((hook) => hook.headers['stowage-delivery'] === delivered.id);
    expect(hooks.at(-1)!.body).toContain(file.id);
    expect(hooks.every((hook) => signatureVerifies(SECRET, hook))).toBe(true);
  });

  it('gives up after WEBHOOK_MAX_ATTEMPTS', async () => {
    const broken = await receiver();
    broken.status = 410;
    t = await startTestApp({ ...fast([broken]), WEBHOOK_MAX_ATTEMPTS: '2' });
    const editor = await t.createUser(['editor']);
    await upload(t, editor.token);
    const failed = await quietLogs(/Gave up webhook delivery/, () =>
      eventually(async () => {
        const [d] = (await deliveries(t!, { status: 'failed' })).items;
        expect(d).toBeDefined();
        return d;
      }),
    );
    expect(failed).toMatchObject({ attempts: 2, lastStatusCode: 410, nextAttemptAt: null });
    expect(broken.received).toHaveLength(2);
  });

  it('two instances on one database deliver each event once', async () => {
    const r = await receiver();
    // A slow receiver: both instances poll while deliveries are still in flight.
    r.delayMs = 150;
    t = await startTestApp(fast([r]), { realDatabase: true });
    const sibling = await t.startSibling();
    const editor = await t.createUser(['editor']);
    const count = 30;
    const files = await Promise.all(Array.from({ length: count }, (_, i) => upload(i % 2 ? sibling : t!, editor.token, `f${i}.txt`)));
    await eventually(async () => expect((await deliveries(t!, { status: 'delivered' })).total).toBe(count), 30_000);
    expect(r.received).toHaveLength(count);
    const fileIds = r.received.map((hook) => (JSON.parse(hook.body) as Delivery['payload']).data.file.id);
    expect(fileIds.sort()).toEqual(files.map((f) => f.id).sort());
    expect((await deliveries(t, { limit: count })).items.every((d) => d.attempts === 1)).toBe(true);
  });

  it('prunes ended deliveries older than WEBHOOK_RETENTION_DAYS on its schedule, never a pending one', async () => {
    const r = await receiver();
    t = await startTestApp({ ...fast([r]), WEBHOOK_RETENTION_DAYS: '30', WEBHOOK_PRUNE_INTERVAL_SECONDS: '1' }, { realDatabase: true });
    const db = new pg.Client({ connectionString: t.testEnv.env.DATABASE_URL });
    await db.connect();
    try {
      const editor = await t.createUser(['editor']);
      await upload(t, editor.token, 'old.txt');
      await upload(t, editor.token, 'recent.txt');
      await eventually(async () => expect((await deliveries(t!, { status: 'delivered' })).total).toBe(2));
      const queued = (name: string, age: string) =>
        db.query(`UPDATE webhook_deliveries SET created_at = now() - interval '${age}' WHERE payload->'data'->'file'->>'filename' = $1`, [
          name,
        ]);
      await queued('old.txt', '31 days');
      await queued('recent.txt', '29 days');
      // Old, but never delivered (its receiver is gone for good): kept.
      await db.query(
        `INSERT INTO webhook_deliveries (event_id, event_type, url, payload, next_attempt_at, created_at)
         VALUES (gen_random_uuid(), 'file.created', 'http://127.0.0.1:9/', '{"data":{"file":{"filename":"stuck.txt"}}}', now() + interval '1 day', now() - interval '40 days')`,
      );

      await eventually(async () => {
        const { rows } = await db.query<{ name: string; status: string }>(
          `SELECT payload->'data'->'file'->>'filename' AS name, status FROM webhook_deliveries ORDER BY name`,
        );
        expect(rows).toEqual([
          { name: 'recent.txt', status: 'delivered' },
          { name: 'stuck.txt', status: 'pending' },
        ]);
      });
    } finally {
      await db.end();
    }
  });
});
