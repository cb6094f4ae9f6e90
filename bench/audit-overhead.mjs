// What the audit trail costs 4 KiB uploads: the same build twice, AUDIT_ENABLED=true and false, each on a fresh
// database of one PostgreSQL server, loaded in turn (A,B then B,A) with raw-body POSTs of 4 KiB at 16 connections.
// Prints uploads/s per round and the median of each side; makes no assertions. Figures go to docs/audit.md.
//
//   npm run build && node bench/audit-overhead.mjs [--rounds 6] [--duration 10] [--pg postgres://postgres@127.0.0.1:5432/postgres]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFreshDatabase } from './lib/database.mjs';
import { load, smallUploadRequest } from './lib/load.mjs';
import { login, startService, stop } from './lib/processes.mjs';
import { fmt, log } from './lib/stats.mjs';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..', process.env.STOWAGE_DIST ?? 'dist');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
const rounds = Number(arg('rounds', 6));
const duration = Number(arg('duration', 10));
const pgServer = arg('pg', 'postgres://postgres@127.0.0.1:5432/postgres');
const password = 'bench-' + randomBytes(6).toString('hex');
const body = randomBytes(4096);

const sides = [];
for (const audit of ['true', 'false']) {
  const dataDir = mkdtempSync(join(tmpdir(), `stowage-bench-audit-${audit}-`));
  const db = await createFreshDatabase(pgServer);
  const service = await startService({ dist, dataDir, databaseUrl: db.url, password, env: { AUDIT_ENABLED: audit } });
  const token = await login(service, password);
  sides.push({ name: audit === 'true' ? 'audit on' : 'audit off', dataDir, db, service, token, rps: [] });
}

try {
  // Warm-up: connections, prepared statements, JIT.
  for (const side of sides)
    await load(`${side.name} warm-up`, {
      ...smallUploadRequest(`${side.service.url}/api/files`, { Authorization: `Bearer ${side.token}` }, body),
      duration: 3,
    });
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 ? [...sides].reverse() : sides) {
      const result = await load(`round ${round + 1} ${side.name}`, {
        ...smallUploadRequest(`${side.service.url}/api/files`, { Authorization: `Bearer ${side.token}` }, body),
        duration,
      });
      if (result.errors) log(`    ${result.errors} errors`);
      side.rps.push(result.okPerSecond);
      log(`    ${fmt(result.okPerSecond)} uploads/s, p50 ${result.p50} ms, p99 ${result.p99} ms`);
    }
  }
} finally {
  for (const side of sides) {
    await stop(side.service);
    await side.db.drop();
    rmSync(side.dataDir, { recursive: true, force: true });
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const [on, off] = sides.map((side) => median(side.rps));
console.log(`4 KiB uploads, 16 connections, ${rounds} rounds of ${duration} s each, median uploads/s:`);
console.log(`  audit off ${fmt(off)}, audit on ${fmt(on)}: ${fmt((1 - on / off) * 100, 1)} % slower with the audit trail`);
console.log(`  rounds: off ${sides[1].rps.map((r) => fmt(r)).join(', ')}; on ${sides[0].rps.map((r) => fmt(r)).join(', ')}`);
