import { expect } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { OrphanSweeper } from '../../src/files/orphans/orphan-sweeper.js';
import { StorageProvider } from '../../src/storage/storage-provider.js';
import { collectBytes } from './bytes.js';
import { auth, bodyOf, MolgenisFile, Page } from './http.js';
import { TestApp } from './test-app.js';

/**
 * The checks every fault case ends with (test/reliability): whatever the fault did, the service is up, shows no file
 * whose bytes are not whole, leaves nothing behind once the sweeper's cutoff has passed, and kept other users'
 * files intact and private. Resources (descriptors, memory) come back near where they were.
 */

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Another user's file, uploaded before a fault: it must come through every fault unchanged and undisclosed. */
export interface Witness {
  id: string;
  token: string;
  sha256: string;
}

export async function createWitness(t: TestApp): Promise<Witness> {
  const owner = await t.createUser(['editor']);
  const data = randomBytes(64 * 1024);
  const res = await t
    .http()
    .post('/api/files')
    .set(auth(owner.token))
    .set('Content-Type', 'application/octet-stream')
    .send(data)
    .expect(201);
  return { id: bodyOf<MolgenisFile>(res).id, token: owner.token, sha256: sha256(data) };
}

export interface ResourceBaseline {
  fds: number;
  rss: number;
}

/** Open descriptors and resident memory of this process (where an in-process app runs). */
export function resourceUsage(): ResourceBaseline {
  return { fds: readdirSync('/proc/self/fd').length, rss: process.memoryUsage().rss };
}

/** Waits (a little) for descriptors of connections just closed to go, then compares with the baseline. */
async function expectResourcesNear(baseline: ResourceBaseline, slack: { fds: number; rssBytes: number }): Promise<void> {
  let now = resourceUsage();
  for (let i = 0; i < 20 && now.fds > baseline.fds + slack.fds; i++) {
    await sleep(250);
    now = resourceUsage();
  }
  expect(now.fds).toBeLessThanOrEqual(baseline.fds + slack.fds);
  expect(now.rss).toBeLessThanOrEqual(baseline.rss + slack.rssBytes);
}

export interface InvariantOptions {
  witness?: Witness;
  /** A user who must not see the witness (its id absent from their listing, 404 on its metadata). */
  stranger?: { token: string };
  baseline?: ResourceBaseline;
  /** Extra descriptors and memory tolerated above the baseline (defaults: 64 descriptors, 192 MiB). */
  slack?: { fds: number; rssBytes: number };
  /** Run a sweep (the app needs a small ORPHAN_MIN_AGE_SECONDS, waited out here) and expect nothing left over. */
  sweep?: boolean;
}

/** Every committed row has whole bytes: the object exists with the row's size. */
export async function expectEveryRowWhole(t: TestApp): Promise<void> {
  const rows = await t.app
    .get(DataSource)
    .query<{ id: string; storage_key: string; size: string }[]>('SELECT id, storage_key, size FROM file_meta');
  const storage = t.app.get(StorageProvider);
  for (const row of rows) {
    const stat = await storage.stat(row.storage_key);
    expect({ id: row.id, size: stat?.size ?? null }).toEqual({ id: row.id, size: Number(row.size) });
  }
}

/** After the sweeper's cutoff: no partial write and no object that no row (file or chunk) references. */
export async function expectNothingLeftAfterSweep(t: TestApp): Promise<void> {
  await sleep(t.config.orphans.minAgeSeconds * 1000 + 600);
  await t.app.get(OrphanSweeper).sweep();
  const storage = t.app.get(StorageProvider);
  const referenced = new Set(
    (
      await t.app
        .get(DataSource)
        .query<{ key: string }[]>('SELECT storage_key AS key FROM file_meta UNION ALL SELECT storage_key FROM upload_chunks')
    ).map((r) => r.key),
  );
  const stray: string[] = [];
  for await (const page of storage.list()) for (const o of page) if (!referenced.has(basename(o.key))) stray.push(o.key);
  expect(stray).toEqual([]);
  const partial: string[] = [];
  for await (const page of storage.listPartialWrites(new Date())) partial.push(...page.map((p) => p.id));
  expect(partial).toEqual([]);
}

export async function expectWitnessIntact(t: TestApp, witness: Witness, stranger?: { token: string }): Promise<void> {
  const res = await t
    .http()
    .get(`/api/files/${witness.id}?alt=media`)
    .set(auth(witness.token))
    .buffer(true)
    .parse(collectBytes)
    .expect(200);
  expect(sha256(res.body as Buffer)).toBe(witness.sha256);
  if (stranger) {
    // Refused (403, or 404 where the dialect hides existence), and nothing of the file in the answer.
    const peek = await t.http().get(`/api/files/${witness.id}`).set(auth(stranger.token));
    expect([403, 404]).toContain(peek.status);
    expect(peek.text).not.toContain(witness.sha256);
    const listing = bodyOf<Page<MolgenisFile>>(await t.http().get('/api/files?limit=1000').set(auth(stranger.token)).expect(200));
    expect(listing.items.map((f) => f.id)).not.toContain(witness.id);
  }
}

/** The whole set, in the order a reader of a failure wants them. */
export async function expectInvariants(t: TestApp, options: InvariantOptions = {}): Promise<void> {
  await t.http().get('/health/live').expect(200);
  await expectEveryRowWhole(t);
  if (options.witness) await expectWitnessIntact(t, options.witness, options.stranger);
  if (options.sweep) await expectNothingLeftAfterSweep(t);
  if (options.baseline) await expectResourcesNear(options.baseline, options.slack ?? { fds: 64, rssBytes: 192 * 1024 * 1024 });
}
