// CPU time per request: the steadier figure on a shared machine. Requests/s move with whatever else runs; the CPU
// a process spends per answered request moves much less, so two builds can be compared while others work.
//
//   node bench/cpu-per-request.mjs [--only upload4k,meta] [--rounds 3] [--duration 5] [distDir[,VAR=value...] ...]
//
// Each given build (default: dist; `dist,METRICS_TOKEN=...` adds variables to its environment, so one build can be
// compared with itself configured otherwise) runs as the service beside the floor and the framework floor; builds are
// measured in turn, round after round. Per run it prints requests/s and, per answered request, the CPU (user +
// system, from /proc) of the whole process, of its main thread alone, and of the PostgreSQL processes on the
// machine (the embedded database's, plus whatever else runs: a rough figure). BENCH_NODE_ARGS: extra node flags for
// the service, as in bench/run.mjs (e.g. --cpu-prof). Scratch stays under the OS temp dir
// (deleting thousands of files slows file creation on this machine's ext4 for minutes).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, smallUploadRequest } from './lib/load.mjs';
import { login, startFloor, startFrameworkFloor, startService, stop } from './lib/processes.mjs';
import { fmt, log, summarize } from './lib/stats.mjs';
import { uploadLarge } from './lib/transfer.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function parse(argv) {
  const options = { only: ['upload4k', 'meta'], rounds: 3, duration: 5, dists: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') options.only = argv[++i].split(',');
    else if (argv[i] === '--rounds') options.rounds = Number(argv[++i]);
    else if (argv[i] === '--duration') options.duration = Number(argv[++i]);
    else options.dists.push(argv[i]);
  }
  if (!options.dists.length) options.dists.push(resolve(benchDir, '..', 'dist'));
  options.dists = options.dists.map((spec) => {
    const [dir, ...vars] = spec.split(',');
    return {
      label: spec,
      dir: resolve(dir),
      env: Object.fromEntries(vars.map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)])),
    };
  });
  return options;
}

/** CPU microseconds used so far by a process, or by one of its threads. */
function cpuMicros(pid, tid) {
  const stat = readFileSync(tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
}

function postgresCpuMicros() {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') total += cpuMicros(pid);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

async function measure(label, pid, request, duration) {
  const before = { all: cpuMicros(pid), main: cpuMicros(pid, pid), pg: postgresCpuMicros() };
  const result = await load(label, { ...request, duration });
  const n = Math.max(1, result.total);
  return {
    rate: result.okPerSecond,
    all: (cpuMicros(pid) - before.all) / n,
    main: (cpuMicros(pid, pid) - before.main) / n,
    pg: (postgresCpuMicros() - before.pg) / n,
    errors: result.errors,
  };
}

function scenarios(sides, token, fixtureIds) {
  const auth = { Authorization: `Bearer ${token}` };
  const body = randomBytes(4096);
  return {
    upload4k: [
      { name: 'service', pid: sides.service.pid, request: smallUploadRequest(`${sides.service.url}/api/files`, auth, body) },
      { name: 'floor', pid: sides.floor.pid, request: smallUploadRequest(`${sides.floor.url}/files`, {}, body) },
    ],
    meta: [
      {
        name: 'service',
        pid: sides.service.pid,
        request: { url: `${sides.service.url}/api/files/${fixtureIds.service}`, connections: 32, headers: auth },
      },
      {
        name: 'framework floor',
        pid: sides.framework.pid,
        request: { url: `${sides.framework.url}/api/files/${fixtureIds.service}`, connections: 32 },
      },
    ],
  };
}

async function runBuild(dist, options, figures) {
  const scratch = join(tmpdir(), `stowage-cpu-${Date.now()}`);
  mkdirSync(join(scratch, 'service'), { recursive: true });
  mkdirSync(join(scratch, 'floor'), { recursive: true });
  const password = randomBytes(12).toString('base64url');
  const sides = {};
  try {
    sides.service = await startService({
      dist: dist.dir,
      env: dist.env,
      dataDir: join(scratch, 'service'),
      password,
      nodeArgs: (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
    });
    sides.floor = await startFloor(benchDir, join(scratch, 'floor'));
    sides.framework = await startFrameworkFloor(benchDir);
    const token = await login(sides.service, password);
    const fixture = await uploadLarge(`${sides.service.url}/api/files`, { Authorization: `Bearer ${token}` }, 4096, 'fixture');
    const all = scenarios(sides, token, { service: fixture.id });
    for (const scenario of options.only) {
      for (const target of all[scenario]) await load(`${scenario} warm-up ${target.name}`, { ...target.request, duration: 2 });
      for (const target of all[scenario]) {
        const key = `${scenario} ${target.name} ${target.name === 'service' ? dist.label : ''}`.trim();
        const m = await measure(key, target.pid, target.request, options.duration);
        (figures[key] ??= []).push(m);
        log(
          `${key}: ${fmt(m.rate)}/s, CPU per request ${fmt(m.all)} µs (main thread ${fmt(m.main)}, PostgreSQL ${fmt(m.pg)}), ${m.errors} errors`,
        );
      }
    }
  } finally {
    await Promise.all(Object.values(sides).map(stop));
  }
}

const options = parse(process.argv.slice(2));
const figures = {};
for (let round = 0; round < options.rounds; round++) {
  for (const dist of options.dists) await runBuild(dist, options, figures);
}
console.log(`\nMedians of ${options.rounds} rounds × ${options.duration} s (min–max), CPU in µs per answered request:`);
for (const [key, runs] of Object.entries(figures)) {
  const s = (k) => summarize(runs.map((r) => r[k]));
  const range = (k) => `${fmt(s(k).median)} (${fmt(s(k).min)}–${fmt(s(k).max)})`;
  console.log(
    `  ${key}: ${range('rate')}/s; process ${range('all')}; main thread ${range('main')}; PostgreSQL ${range('pg')}; errors ${runs.reduce((n, r) => n + r.errors, 0)}`,
  );
}
