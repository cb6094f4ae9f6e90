import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/load-config.js';
import { EmbeddedDatabase } from '../src/database/embedded-database.js';
import { collectBytes } from './support/bytes.js';
import { bodyOf, MolgenisFile } from './support/http.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { quietLogs } from './support/test-logger.js';

describe('data survives a restart', () => {
  let t: TestApp;
  afterAll(async () => {
    await t?.close();
  });

  it('keeps users, files and bytes across a restart on the same DATA_DIR and database', async () => {
    t = await startTestApp();
    const user = await t.createUser(['editor'], 'persistent-user');
    const uploaded = await t
      .http()
      .post('/api/files')
      .set('Authorization', `Bearer ${user.token}`)
      .set('x-molgenis-filename', 'keep.txt')
      .send(Buffer.from('still here'))
      .expect(201)
      .then((res) => bodyOf<MolgenisFile>(res));

    t = await t.restart();
    const token = await t.login('persistent-user', user.password);
    // Tokens issued before the restart stay valid (same secret).
    await t.http().get('/api/auth/me').set('Authorization', `Bearer ${user.token}`).expect(200);
    const meta = await t.http().get(`/api/files/${uploaded.id}`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(bodyOf<MolgenisFile>(meta).filename).toBe('keep.txt');
    const content = await t
      .http()
      .get(`/api/files/${uploaded.id}?alt=media`)
      .set('Authorization', `Bearer ${token}`)
      .buffer(true)
      .parse(collectBytes)
      .expect(200);
    expect((content.body as Buffer).toString()).toBe('still here');
  });
});

// The embedded database's own safety: only meaningful when the suite runs on it.
const fixture = join(process.cwd(), 'test', 'fixtures', 'crashing-embedded-postgres.mjs');
const embedded = process.env.TEST_DATABASE_URL ? describe.skip : describe;

embedded('embedded database', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'stowage-embedded-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const config = () => loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });

  it('refuses a DATA_DIR held by another live process', async () => {
    await writeFile(join(dataDir, 'stowage.lock'), '1'); // pid 1 is always alive
    await expect(new EmbeddedDatabase(config()).start()).rejects.toThrow(/in use by another Stowage process \(pid 1\)/);
    await rm(join(dataDir, 'stowage.lock'));
  });

  it('recovers from a kill -9: the stale lock and the orphaned postgres are cleaned up on the next start', async () => {
    await chmod(dataDir, 0o755);
    const child = spawn(process.execPath, [fixture, dataDir, String(20000 + Math.floor(Math.random() * 20000))], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
    });
    const orphanPid = Number((await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(() => process.kill(orphanPid, 0)).not.toThrow(); // still running, holding the cluster

    const db = new EmbeddedDatabase(config());
    const url = await quietLogs(/Stopping an orphaned embedded PostgreSQL/, () => db.start());
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ ok: number }>('SELECT 1 AS ok');
    await client.end();
    expect(rows[0].ok).toBe(1);
    expect(() => process.kill(orphanPid, 0)).toThrow();
    await db.onApplicationShutdown();
  });
});
