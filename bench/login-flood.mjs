// A good login during a flood of bad ones (issue 14): how long it takes, and what the flood gets back.
//
//   npm run build && node bench/login-flood.mjs [--flood 150] [--rounds 3] [distDir]
//
// Each round fires `--flood` concurrent logins with wrong passwords from one client address (X-Forwarded-For; the
// service trusts loopback) and, at the same moment, one good login from another address; then a good login alone.
// Two services in turn: with the failed-login limits (the defaults) and with both counts off (only the bounded
// hashing queue left). Figures, not tests.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startService, stop } from './lib/processes.mjs';
import { fmtRange, log, summarize } from './lib/stats.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));

function parse(argv) {
  const options = { flood: 150, rounds: 3, dist: resolve(benchDir, '..', 'dist') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--flood') options.flood = Number(argv[++i]);
    else if (argv[i] === '--rounds') options.rounds = Number(argv[++i]);
    else options.dist = resolve(argv[i]);
  }
  return options;
}

async function login(url, username, password, address) {
  const started = performance.now();
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify({ username, password }),
  });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
}

async function round(url, password, flood, n) {
  const floodAddress = `198.51.100.${n}`;
  const bad = Array.from({ length: flood }, (_, i) => login(url, `user-${i}`, 'wrong-password', floodAddress));
  const good = login(url, 'admin', password, `203.0.113.${n}`);
  const [goodDuring, ...answers] = await Promise.all([good, ...bad]);
  const statuses = {};
  for (const { status } of answers) statuses[status] = (statuses[status] ?? 0) + 1;
  const alone = await login(url, 'admin', password, `203.0.113.${n + 100}`);
  return { goodDuring, alone, statuses, floodMs: Math.max(...answers.map((a) => a.ms)) };
}

const options = parse(process.argv.slice(2));
const password = randomBytes(12).toString('hex');
const variants = [
  { name: 'failed-login limits (defaults)', env: {} },
  { name: 'no failed-login counts (queue bound only)', env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: '0', LOGIN_MAX_FAILURES_PER_ADDRESS: '0' } },
];
for (const variant of variants) {
  const dataDir = mkdtempSync(join(tmpdir(), 'stowage-bench-login-'));
  const service = await startService({ dist: options.dist, dataDir, password, env: variant.env });
  try {
    const rounds = [];
    for (let n = 1; n <= options.rounds; n++) {
      const result = await round(service.url, password, options.flood, n);
      if (result.goodDuring.status !== 200) log(`round ${n}: the good login answered ${result.goodDuring.status}`);
      rounds.push(result);
      log(`${variant.name}, round ${n}: flood answered ${JSON.stringify(result.statuses)} within ${Math.round(result.floodMs)} ms`);
    }
    log(
      `${variant.name}: good login during a flood of ${options.flood}: ${fmtRange(summarize(rounds.map((r) => r.goodDuring.ms)))} ms;` +
        ` alone: ${fmtRange(summarize(rounds.map((r) => r.alone.ms)))} ms (median (min–max) over ${options.rounds} rounds)`,
    );
  } finally {
    await stop(service);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
