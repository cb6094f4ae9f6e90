// npm run bench -- [flags]: the service beside a bare Node floor and a NestJS framework floor. See --help and
// docs/performance.md. Prints figures; makes no timing assertions.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { parseArgs, SCENARIOS } from './lib/args.mjs';
import { createFreshDatabase, embeddedDatabaseUrl, seedFileRows, serverVersion, withClient } from './lib/database.mjs';
import { load, smallUploadRequest } from './lib/load.mjs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { measureLimits } from './lib/limits.mjs';
import {
  currentRss,
  login,
  peakRss,
  resetPeakRss,
  startFloor,
  startFrameworkFloor,
  startS3Server,
  startService,
  stop,
} from './lib/processes.mjs';
import { describeMachine, printSummary, renderMarkdown, writeJson } from './lib/report.mjs';
import { fmt, log, ratio, summarize } from './lib/stats.mjs';
import { downloadLarge, uploadLarge, warmFile } from './lib/transfer.mjs';

const MiB = 1024 ** 2;
const benchDir = dirname(fileURLToPath(import.meta.url));
const root = resolve(benchDir, '..');
const options = parseArgs(process.argv.slice(2));
const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
const scratch = process.env.BENCH_DIR ?? join(tmpdir(), `stowage-bench-${stamp}`);
const dist = resolve(root, process.env.STOWAGE_DIST ?? 'dist');
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** Both sides as the scenarios see them: where to send requests, which headers, where the bytes land. */
function sides(service, floor, token) {
  const auth = { Authorization: `Bearer ${token}` };
  return {
    service: {
      name: 'service',
      pid: service.pid,
      upload: `${service.url}/api/files`,
      file: (id) => `${service.url}/api/files/${id}`,
      headers: auth,
      path: newestObject(join(scratch, 'service', 'files', 'objects')),
    },
    floor: {
      name: 'floor',
      pid: floor.pid,
      upload: `${floor.url}/files`,
      file: (id) => `${floor.url}/files/${id}`,
      headers: {},
      path: (id) => join(scratch, 'floor', 'objects', id),
    },
  };
}

/** The service names its objects itself: find the one just written (the newest file of that size). */
function newestObject(dir) {
  return (_id, size) => {
    let best;
    const walk = (d) => {
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        const path = join(d, entry.name);
        if (entry.isDirectory()) walk(path);
        else {
          const info = statSync(path);
          if (info.size === size && (!best || info.mtimeMs > best.mtimeMs)) best = { path, mtimeMs: info.mtimeMs };
        }
      }
    };
    walk(dir);
    return best?.path;
  };
}

/** Alternate A,B then B,A: neither side always goes first. */
const ordered = (list, round) => (round % 2 ? [...list].reverse() : list);
const mbps = (size, seconds) => size / seconds / 1e6;

async function benchLarge(both) {
  const { size, rounds } = options;
  const probeSize = Math.max(16 * MiB, Math.floor(size / 8));
  const s = both.service;
  const idle = currentRss(s.pid) / MiB;
  log(`large: service RSS at rest ${fmt(idle)} MiB`);
  log(`large: probe ${fmt(probeSize / MiB)} MiB up and down on the service (peak RSS at a smaller size)`);
  resetPeakRss(s.pid);
  const probe = await uploadLarge(s.upload, s.headers, probeSize, 'probe upload');
  await downloadLarge(s.file(probe.id) + '?alt=media', s.headers, probeSize, 'probe download');
  const probePeak = peakRss(s.pid) / MiB;

  const figures = { service: { up: [], down: [], rssUp: [], rssDown: [] }, floor: { up: [], down: [], rssUp: [], rssDown: [] } };
  for (let round = 0; round < rounds; round++) {
    const ids = {};
    for (const side of ordered([both.service, both.floor], round)) {
      const label = `round ${round + 1}/${rounds} ${side.name} upload ${fmt(size / MiB)} MiB`;
      resetPeakRss(side.pid);
      const { seconds, id } = await uploadLarge(side.upload, side.headers, size, label);
      ids[side.name] = id;
      figures[side.name].up.push(mbps(size, seconds));
      figures[side.name].rssUp.push(peakRss(side.pid) / MiB);
      log(`large: ${label}: ${fmt(mbps(size, seconds))} MB/s, peak RSS ${fmt(peakRss(side.pid) / MiB)} MiB`);
    }
    for (const side of [both.service, both.floor]) {
      const path = side.path(ids[side.name], size);
      if (path) await warmFile(path);
    }
    // A,B,B,A: the first download after the uploads is slower whichever side makes it (367-420 against 475-612 MB/s
    // seen), and with an odd number of rounds plain alternation gave it to one side twice. Each side's figure is
    // its two downloads together.
    const firstThenSecond = ordered([both.service, both.floor], round);
    const downloads = { service: { seconds: 0, rss: 0 }, floor: { seconds: 0, rss: 0 } };
    for (const [i, side] of [...firstThenSecond, ...[...firstThenSecond].reverse()].entries()) {
      const label = `round ${round + 1}/${rounds} ${side.name} download ${i < 2 ? 1 : 2}/2 ${fmt(size / MiB)} MiB`;
      resetPeakRss(side.pid);
      const { seconds } = await downloadLarge(side.file(ids[side.name]) + '?alt=media', side.headers, size, label);
      downloads[side.name].seconds += seconds;
      downloads[side.name].rss = Math.max(downloads[side.name].rss, peakRss(side.pid) / MiB);
      log(`large: ${label}: ${fmt(mbps(size, seconds))} MB/s, peak RSS ${fmt(peakRss(side.pid) / MiB)} MiB`);
    }
    for (const side of [both.service, both.floor]) {
      figures[side.name].down.push(mbps(2 * size, downloads[side.name].seconds));
      figures[side.name].rssDown.push(downloads[side.name].rss);
    }
  }
  const perRound = (key) => summarize(figures.service[key].map((v, i) => ratio(v, figures.floor[key][i])));
  return {
    size,
    upload: { service: summarize(figures.service.up), floor: summarize(figures.floor.up), ratio: perRound('up') },
    download: { service: summarize(figures.service.down), floor: summarize(figures.floor.down), ratio: perRound('down') },
    rss: {
      service: {
        upload: summarize(figures.service.rssUp),
        download: summarize(figures.service.rssDown),
        probe: { size: probeSize, peak: probePeak },
        idle,
      },
      floor: { upload: summarize(figures.floor.rssUp), download: summarize(figures.floor.rssDown) },
    },
  };
}

/** Alternating autocannon rounds over several targets; returns per-target summaries and per-round ratios. */
async function rateRounds(name, targets) {
  for (const t of targets) await load(`${name}: warm-up ${t.name}`, { ...t.request, duration: 2 });
  const runs = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    for (const t of order) {
      const r = await load(`${name}: round ${round + 1}/${options.rounds} ${t.name}`, { ...t.request, duration: options.duration });
      runs[t.name].push(r);
      log(`${name}: round ${round + 1}/${options.rounds} ${t.name}: ${fmt(r.okPerSecond)}/s, p99 ${fmt(r.p99)} ms, ${r.errors} errors`);
    }
  }
  const summary = (list) => ({
    rate: summarize(list.map((r) => r.okPerSecond)),
    p99: summarize(list.map((r) => r.p99)),
    errors: list.reduce((n, r) => n + r.errors, 0),
  });
  return { runs, summary };
}

/**
 * The S3 driver beside a direct SDK upload (@aws-sdk/lib-storage, bench/s3-direct-upload.mjs) to the same s3rver
 * process, alternating. The service here is a second one, on the S3 driver, started for this scenario only.
 */
async function benchS3(password) {
  const { size, rounds } = options;
  const dirs = { s3: join(scratch, 's3'), service: join(scratch, 'service-s3') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const s3 = await startS3Server(benchDir, dirs.s3);
  let service;
  try {
    const env = {
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: s3.bucket,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    };
    service = await startService({ dist, dataDir: dirs.service, password, nodeArgs, env });
    const headers = { Authorization: `Bearer ${await login(service, password)}` };
    const figures = { service: [], direct: [], rssService: [], rssDirect: [] };
    const sides = [
      {
        name: 'service',
        run: async (label) => {
          resetPeakRss(service.pid);
          const { seconds } = await uploadLarge(`${service.url}/api/files`, headers, size, label);
          figures.service.push(mbps(size, seconds));
          figures.rssService.push(peakRss(service.pid) / MiB);
        },
      },
      {
        name: 'direct SDK',
        run: async (label) => {
          const script = join(benchDir, 's3-direct-upload.mjs');
          const key = `direct-${randomBytes(6).toString('hex')}`;
          const { stdout } = await promisify(execFile)(process.execPath, [script, s3.endpoint, s3.bucket, key, String(size)], {
            cwd: root,
          });
          const { seconds, peakRss: rss } = JSON.parse(stdout.trim().split('\n').at(-1));
          figures.direct.push(mbps(size, seconds));
          figures.rssDirect.push(rss / MiB);
          log(`s3: ${label}`);
        },
      },
    ];
    for (let round = 0; round < rounds; round++) {
      for (const side of ordered(sides, round)) {
        const label = `round ${round + 1}/${rounds} ${side.name} upload ${fmt(size / MiB)} MiB`;
        await side.run(label);
        const list = side.name === 'service' ? figures.service : figures.direct;
        log(`s3: ${label}: ${fmt(list.at(-1))} MB/s`);
      }
    }
    return {
      size,
      service: summarize(figures.service),
      direct: summarize(figures.direct),
      ratio: summarize(figures.service.map((v, i) => ratio(v, figures.direct[i]))),
      rss: { service: summarize(figures.rssService), direct: summarize(figures.rssDirect) },
    };
  } finally {
    await stop(service);
    await stop(s3);
  }
}

/** 64 concurrent raw-body uploads of 1 MiB each: aggregate MB/s, and the service's peak RSS over its rounds. */
async function benchConcurrent(both) {
  const body = randomBytes(MiB);
  const target = (side) => ({
    name: side.name,
    request: { ...smallUploadRequest(side.upload, side.headers, body), connections: 64 },
  });
  resetPeakRss(both.service.pid);
  const { runs, summary } = await rateRounds('64 x 1 MiB uploads', [target(both.service), target(both.floor)]);
  const rssPeak = peakRss(both.service.pid) / MiB;
  const mb = (list) => list.map((r) => (r.okPerSecond * MiB) / 1e6);
  return {
    service: { ...summary(runs.service), mbps: summarize(mb(runs.service)) },
    floor: { ...summary(runs.floor), mbps: summarize(mb(runs.floor)) },
    ratio: summarize(runs.service.map((r, i) => ratio(r.okPerSecond, runs.floor[i].okPerSecond))),
    rssPeak,
  };
}

/**
 * tus beside the raw-body upload and a bare @tus/server + @tus/file-store: bench/tus-upload.mjs on the local driver,
 * in a process of its own (its own service), 256 MiB per upload. Returns its summary.
 */
async function benchTus() {
  const script = join(benchDir, 'tus-upload.mjs');
  const args = [
    script,
    '--size',
    String(Math.min(256, Math.round(options.size / MiB))),
    '--rounds',
    String(options.rounds),
    '--drivers',
    'local',
    '--dist',
    dist,
  ];
  log(`tus: node ${args.join(' ')}`);
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root, maxBuffer: 16 * MiB });
  for (const line of stdout.split('\n')) if (line.startsWith('  local') || line.startsWith('local')) log(`tus: ${line.trim()}`);
  return JSON.parse(stdout.slice(stdout.lastIndexOf('\n{\n') + 1));
}

async function benchUploads4k(both) {
  const body = randomBytes(4096);
  const target = (side) => ({
    name: side.name,
    request: smallUploadRequest(side.upload, side.headers, body),
  });
  const { runs, summary } = await rateRounds('4 KiB uploads', [target(both.service), target(both.floor)]);
  return {
    service: summary(runs.service),
    floor: summary(runs.floor),
    ratio: summarize(runs.service.map((r, i) => ratio(r.okPerSecond, runs.floor[i].okPerSecond))),
  };
}

async function benchMetadata(both, frameworkFloor) {
  const idOf = async (side) => (await uploadLarge(side.upload, side.headers, 4096, `${side.name} metadata fixture`)).id;
  const [serviceId, floorId] = [await idOf(both.service), await idOf(both.floor)];
  const target = (name, url, headers = {}) => ({ name, request: { url, connections: 32, headers } });
  const { runs, summary } = await rateRounds('metadata GET', [
    target('service', both.service.file(serviceId), both.service.headers),
    target('floor', both.floor.file(floorId)),
    target('framework floor', `${frameworkFloor.url}/api/files/${serviceId}`),
  ]);
  const rates = (name) => runs[name].map((r) => r.okPerSecond);
  return {
    service: summary(runs.service),
    floor: summary(runs.floor),
    frameworkFloor: summary(runs['framework floor']),
    ratio: summarize(rates('service').map((v, i) => ratio(v, rates('floor')[i]))),
    ratioFramework: summarize(rates('service').map((v, i) => ratio(v, rates('framework floor')[i]))),
  };
}

const LISTING_QUERIES = [
  { path: '/files?filter=filename:~x&sort=uploadDate:-1&limit=50', target: 'p99 < 50 ms' },
  { path: '/files/count', target: '< 200 ms' },
  { path: '/files/count?filter=filename:~x', target: '< 200 ms' },
  { path: '/api/files?limit=50', target: 'total exact or marked estimate' },
  // A non-admin who owns none of the rows and holds a few grants: their cost must follow what they see, not the table.
  { path: '/files?sort=uploadDate:-1&limit=50', caller: 'viewer', target: 'p99 < 50 ms' },
  { path: '/files?filter=filename:~x&sort=uploadDate:-1&limit=50', caller: 'viewer', target: 'p99 < 50 ms' },
  { path: '/files/count', caller: 'viewer', target: 'p99 < 200 ms' },
  { path: '/api/files?limit=50', caller: 'viewer', target: 'p99 < 50 ms' },
];

/** A viewer (role `viewer`) with a READ grant on `grants` of the seeded rows, and a token for them. */
async function createViewer(service, adminHeaders, databaseUrl, grants) {
  const password = `viewer-${Date.now()}-password`;
  const created = await fetch(`${service.url}/api/users`, {
    method: 'POST',
    headers: { ...adminHeaders, 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'bench-viewer', password, roles: ['viewer'] }),
  });
  if (created.status !== 201) throw new Error(`creating the viewer answered ${created.status}: ${await created.text()}`);
  const { id } = await created.json();
  await withClient(databaseUrl, (c) =>
    c.query(`INSERT INTO file_grants (file_id, user_id, permission) SELECT 'seed' || g, $1, 'READ' FROM generate_series(1, $2::int) AS g`, [
      id,
      grants,
    ]),
  );
  const res = await fetch(`${service.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'bench-viewer', password }),
  });
  if (res.status !== 200) throw new Error(`viewer login answered ${res.status}: ${await res.text()}`);
  return { Authorization: `Bearer ${(await res.json()).token}` };
}

async function benchListing(service, token, databaseUrl) {
  const headers = { Authorization: `Bearer ${token}` };
  const status = (path) => fetch(service.url + path, { headers }).then((r) => r.status);
  let queries = LISTING_QUERIES;
  if ((await status('/files?limit=1')) === 404) {
    if ((await status('/api/files?limit=1')) === 404) {
      log('listing: GET /files and GET /api/files answer 404: the listing routes are not built yet; skipped');
      return { rows: options.rows, pending: 'GET /files and GET /api/files answer 404 (listing not built yet)' };
    }
    log('listing: GET /files answers 404; measuring GET /api/files instead');
    queries = [{ path: '/api/files?limit=50', target: 'p99 < 50 ms' }];
  }
  log(`listing: seeding ${fmt(options.rows)} file rows with SQL`);
  const started = Date.now();
  await seedFileRows(databaseUrl, options.rows);
  const seedSeconds = (Date.now() - started) / 1000;
  const callers = { admin: headers };
  if (queries.some((q) => q.caller === 'viewer')) callers.viewer = await createViewer(service, headers, databaseUrl, 20);
  const measured = [];
  for (const q of queries) {
    const callerHeaders = callers[q.caller ?? 'admin'];
    const res = await fetch(service.url + q.path, { headers: callerHeaders });
    const text = await res.text();
    const sample = text.slice(0, 160);
    // GET /api/files says in its body whether `total` is exact; GET /files/count in X-Count-Exact.
    const totalExact = q.path.startsWith('/api/files') && res.status === 200 ? String(JSON.parse(text).totalExact) : undefined;
    log(`listing: ${q.path} -> ${res.status} ${sample}${sample.length === 160 ? '…' : ''}`);
    const runs = [];
    for (let round = 0; round < options.rounds; round++) {
      runs.push(
        await load(`listing: round ${round + 1}/${options.rounds} ${q.path}`, {
          url: service.url + q.path,
          connections: 1,
          duration: options.duration,
          headers: callerHeaders,
        }),
      );
      log(`listing: ${q.path}: p50 ${fmt(runs.at(-1).p50, 1)} ms, p99 ${fmt(runs.at(-1).p99, 1)} ms, ${runs.at(-1).errors} errors`);
    }
    measured.push({
      ...q,
      status: res.status,
      caller: q.caller ?? 'admin',
      countExact: res.headers.get('x-count-exact') ?? totalExact,
      p50: summarize(runs.map((r) => r.p50)),
      p99: summarize(runs.map((r) => r.p99)),
      errors: runs.reduce((n, r) => n + r.errors, 0),
    });
  }
  return { rows: options.rows, seedSeconds, queries: measured };
}

async function main() {
  const loadAverageAtStart = loadavg().map((n) => Math.round(n * 10) / 10);
  log(`bench: ${JSON.stringify(options)}; service from ${dist}; scratch ${scratch}`);
  mkdirSync(join(scratch, 'service'), { recursive: true });
  mkdirSync(join(scratch, 'floor'), { recursive: true });
  const password = randomBytes(12).toString('base64url');
  const pgServer = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const fresh = options.pg ? await createFreshDatabase(pgServer) : undefined;
  const procs = {};
  try {
    const limits = await measureLimits(scratch);
    log('starting the service, the floor and the framework floor');
    procs.service = await startService({ dist, dataDir: join(scratch, 'service'), databaseUrl: fresh?.url, password, nodeArgs });
    procs.floor = await startFloor(benchDir, join(scratch, 'floor'));
    procs.frameworkFloor = await startFrameworkFloor(benchDir);
    const token = await login(procs.service, password);
    const databaseUrl = fresh?.url ?? embeddedDatabaseUrl(join(scratch, 'service'));
    const both = sides(procs.service, procs.floor, token);
    const results = {};
    const run = options.scenarios;
    if (run.includes('large')) results.large = await benchLarge(both);
    if (run.includes('s3')) results.s3 = await benchS3(password);
    if (run.includes('concurrent')) results.concurrent = await benchConcurrent(both);
    if (run.includes('tus')) results.tus = await benchTus();
    if (run.includes('upload4k')) results.upload4k = await benchUploads4k(both);
    if (run.includes('meta')) results.meta = await benchMetadata(both, procs.frameworkFloor);
    if (run.includes('listing')) results.listing = await benchListing(procs.service, token, databaseUrl);

    const report = {
      stamp,
      date: new Date().toISOString(),
      options,
      machine: { ...describeMachine(root, scratch), loadAverageAtStart },
      limits,
      databaseVersion: await serverVersion(databaseUrl),
      results,
    };
    const markdown = renderMarkdown(report);
    printSummary(markdown);
    log(`figures written to ${writeJson(root, stamp, report)}`);
    const complete = SCENARIOS.every((s) => options.scenarios.includes(s));
    if (complete && !options.quick && !options.pg && !process.env.BENCH_NODE_ARGS) {
      // In the repository's own style (prettier: the lint checks docs too), so that a full run never fails CI.
      const path = join(root, 'docs', 'performance.md');
      writeFileSync(path, await prettier.format(markdown, { ...(await prettier.resolveConfig(path)), filepath: path }));
      log('table written to docs/performance.md');
    }
  } finally {
    log('stopping servers and removing the scratch directory');
    await Promise.all(Object.values(procs).map(stop));
    await fresh?.drop().catch((e) => log(`could not drop the benchmark database: ${e.message}`));
    if (!process.env.BENCH_DIR) rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
