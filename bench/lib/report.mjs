// Where the figures go: the console, bench/results/<date>.json and docs/performance.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fmt, fmtRange } from './stats.mjs';

const MiB = 1024 ** 2;

function packageVersion(root, name) {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'n/a';
  }
}

export function describeMachine(root, scratchDir) {
  let filesystem = 'n/a';
  try {
    filesystem = execFileSync('findmnt', ['-no', 'FSTYPE,OPTIONS', '-T', scratchDir], { encoding: 'utf8' }).trim();
  } catch {
    // Not Linux, or findmnt missing: the report says n/a.
  }
  return {
    cpu: cpus()[0]?.model ?? 'n/a',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    kernel: release(),
    filesystem: filesystem.replace(/\s+/g, ' '),
    loadAverage: loadavg().map((n) => Math.round(n * 10) / 10),
    versions: {
      node: process.versions.node,
      nestjs: packageVersion(root, '@nestjs/core'),
      express: packageVersion(root, 'express'),
      typeorm: packageVersion(root, 'typeorm'),
      pg: packageVersion(root, 'pg'),
      autocannon: packageVersion(root, 'autocannon'),
    },
  };
}

export function writeJson(root, stamp, report) {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${stamp}${report.options.pg ? '-pg' : ''}${report.options.quick ? '-quick' : ''}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}

const x = (s) => `${fmtRange(s, 2)}×`;

function largeRows(large) {
  if (!large) return [];
  const gib = fmt(large.size / 1024 ** 3, 2);
  return [
    `| Upload ${gib} GiB (MB/s) | ${fmtRange(large.upload.service)} | ${fmtRange(large.upload.floor)} | | ${x(large.upload.ratio)} | ≥ 1.5× |`,
    `| Download ${gib} GiB (MB/s) | ${fmtRange(large.download.service)} | ${fmtRange(large.download.floor)} | | ${x(large.download.ratio)} | ≥ 0.85× |`,
    `| Peak RSS during upload (MiB) | ${fmtRange(large.rss.service.upload)} | ${fmtRange(large.rss.floor.upload)} | | | < 200 MiB |`,
    `| Peak RSS during download (MiB) | ${fmtRange(large.rss.service.download)} | ${fmtRange(large.rss.floor.download)} | | | < 200 MiB |`,
    `| Peak RSS, ${fmt(large.rss.service.probe.size / MiB)} MiB up + down (MiB) | ${fmt(large.rss.service.probe.peak)} | | | | flat with size |`,
    `| RSS at rest, before the transfers (MiB) | ${fmt(large.rss.service.idle)} | | | | |`,
  ];
}

function limitsRows(limits) {
  if (!limits) return [];
  return [
    `| Machine limit: md5 on one core (MiB/s) | | | | | ${fmt(limits.md5MiBps)} |`,
    `| Machine limit: sha256 on one core (MiB/s) | | | | | ${fmt(limits.sha256MiBps)} |`,
    `| Machine limit: md5 then sha256 on one thread, as the floor hashes (MiB/s) | | | | | ${fmt(limits.bothOneThreadMiBps)} |`,
    `| Machine limit: disk write of 512 MiB + fsync (MB/s) | | | | | ${fmt(limits.diskFsyncMBps)} |`,
    `| Machine limit: loopback TCP, one connection (MB/s) | | | | | ${fmt(limits.loopbackMBps)} |`,
  ];
}

function s3Rows(s3) {
  if (!s3) return [];
  const gib = fmt(s3.size / 1024 ** 3, 2);
  return [
    `| S3 upload ${gib} GiB (MB/s); the floor column is a direct SDK upload (lib-storage) to the same s3rver | ${fmtRange(s3.service)} | ${fmtRange(s3.direct)} | | ${x(s3.ratio)} of direct SDK | ≥ 0.8× |`,
    `| Peak RSS during the S3 upload (MiB); floor column: the SDK client process | ${fmtRange(s3.rss.service)} | ${fmtRange(s3.rss.direct)} | | | < 200 MiB |`,
  ];
}

function concurrentRows(c) {
  if (!c) return [];
  return [
    `| 64 concurrent 1 MiB uploads (MB/s, aggregate) | ${fmtRange(c.service.mbps)} | ${fmtRange(c.floor.mbps)} | | ${x(c.ratio)} | ≥ 0.8×, 0 errors |`,
    `| 64 concurrent 1 MiB uploads: p99 (ms) | ${fmtRange(c.service.p99)} | ${fmtRange(c.floor.p99)} | | | |`,
    `| 64 concurrent 1 MiB uploads: errors | ${c.service.errors} | ${c.floor.errors} | | | 0 |`,
    `| Peak RSS over the 64 × 1 MiB rounds (MiB) | ${fmt(c.rssPeak)} | | | | < 200 MiB |`,
  ];
}

function tusRows(tus) {
  const local = tus?.drivers?.local;
  if (!local) return [];
  return [
    `| tus upload ${fmt(tus.sizeMiB)} MiB, one PATCH (MB/s); floor column: the raw-body upload of the same service | ${fmt(local.medianTusMBps)} (${local.tusMBps.map((v) => fmt(v)).join(', ')}) | ${fmt(local.medianRawMBps)} (${local.rawMBps.map((v) => fmt(v)).join(', ')}) | | ${fmt(local.tusToRaw, 2)}× of raw | ≥ 0.8× |`,
    ...(local.medianBareTusMBps
      ? [
          `| tus upload ${fmt(tus.sizeMiB)} MiB: a bare @tus/server + @tus/file-store, no hashing (MB/s) | | ${fmt(local.medianBareTusMBps)} (${local.bareTusMBps.map((v) => fmt(v)).join(', ')}) | | ${fmt(local.tusToBare, 2)}× of bare | |`,
        ]
      : []),
    ...(local.serviceCpuSeconds
      ? [
          `| tus upload ${fmt(tus.sizeMiB)} MiB: service CPU per upload, all threads (s); floor column: the raw-body upload | ${fmt(local.serviceCpuSeconds.tus, 2)} | ${fmt(local.serviceCpuSeconds.raw, 2)} | | ${fmt(local.serviceCpuSeconds.tus / local.serviceCpuSeconds.raw, 2)}× of raw | |`,
          `| tus upload ${fmt(tus.sizeMiB)} MiB: client CPU per upload (s); tus-js-client vs the raw-body client | ${fmt(local.clientCpuSeconds.tus, 2)} | ${fmt(local.clientCpuSeconds.raw, 2)} | | ${fmt(local.clientCpuSeconds.tus / local.clientCpuSeconds.raw, 2)}× of raw | |`,
        ]
      : []),
    `| Peak RSS during tus uploads (MiB) | ${fmt(local.peakRssMiB.tus)} | | | | < 200 MiB |`,
  ];
}

function rateRows(label, row, target) {
  if (!row) return [];
  const fw = row.frameworkFloor ? `${fmtRange(row.frameworkFloor.rate)}` : '';
  const ratios = row.frameworkFloor ? `${x(row.ratio)} of floor, ${x(row.ratioFramework)} of framework floor` : x(row.ratio);
  return [
    `| ${label} (req/s) | ${fmtRange(row.service.rate)} | ${fmtRange(row.floor.rate)} | ${fw} | ${ratios} | ${target} |`,
    `| ${label}: p99 (ms) | ${fmtRange(row.service.p99)} | ${fmtRange(row.floor.p99)} | ${row.frameworkFloor ? fmtRange(row.frameworkFloor.p99) : ''} | | |`,
    `| ${label}: errors | ${row.service.errors} | ${row.floor.errors} | ${row.frameworkFloor ? row.frameworkFloor.errors : ''} | | 0 |`,
  ];
}

/** Counts say in X-Count-Exact whether they are exact or a sampled estimate (docs/appmixer-api.md). */
const countKind = (q) => (q.countExact === 'false' ? ', answer: an estimate' : q.countExact === 'true' ? ', answer: exact' : '');

function listingRows(listing) {
  if (!listing) return [];
  if (listing.pending) return [`| Listing over ${fmt(listing.rows)} rows | pending: ${listing.pending} | | | | |`];
  return listing.queries.map(
    (q) =>
      `| \`${q.path}\`${q.caller === 'viewer' ? ' as a viewer (owns none, 20 grants)' : ''} over ${fmt(listing.rows)} rows: p50 / p99 (ms)${countKind(q)} | ${fmt(q.p50.median, 1)} / ${fmtRange(q.p99, 1)} | | | | ${q.target} |`,
  );
}

export function renderMarkdown(report) {
  const { machine, options, results } = report;
  return `# Performance

Figures from \`npm run bench\` (bench/run.mjs), ${report.date}, database: ${options.pg ? 'PostgreSQL server (--pg)' : 'embedded PostgreSQL (default)'}.
Raw figures: \`bench/results/${report.stamp}.json\` (a \`--pg\` run writes \`…-pg.json\` and leaves this page alone). Each cell is the median of ${options.rounds} alternating rounds, with min–max.

| What | Service | Floor (node:http) | Framework floor (NestJS + Express) | Ratio (service ÷ floor) | Target |
|---|---|---|---|---|---|
${[...limitsRows(report.limits), ...largeRows(results.large), ...s3Rows(results.s3), ...concurrentRows(results.concurrent), ...tusRows(results.tus), ...rateRows('4 KiB uploads, 16 connections', results.upload4k, '≥ 0.6×, 0 errors'), ...rateRows('Metadata GET, 32 connections', results.meta, '≥ 0.5× framework floor'), ...listingRows(results.listing)].join('\n')}

## Machine

${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, Linux ${machine.kernel}; scratch filesystem: ${machine.filesystem}.
Node ${machine.versions.node}, NestJS ${machine.versions.nestjs}, Express ${machine.versions.express}, TypeORM ${machine.versions.typeorm},
pg ${machine.versions.pg}, PostgreSQL ${report.databaseVersion}, autocannon ${machine.versions.autocannon}. The machine is shared and noisy
(load average ${machine.loadAverageAtStart?.join(' / ') ?? 'n/a'} over 1 / 5 / 15 min when the run started, ${machine.loadAverage?.join(' / ') ?? 'n/a'} when it ended): read the ratios and medians, not the absolute
figures. Where the time goes, what was fixed and what is suggested: [performance-profile.md](performance-profile.md).

## How it is measured

- **Sides.** The service (compiled, \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`, a fresh \`DATA_DIR\`) runs as a child process
  beside two floors: \`bench/floor-server.mjs\`, a bare \`node:http\` server doing the least the service must (stream the
  body to a temp file while computing sha256 and md5, fsync, rename, answer JSON; stream the file back; answer a small
  JSON kept in memory), and \`bench/framework-floor.mjs\`, a minimal NestJS app on the same Express adapter answering the
  same JSON from a controller. All of them, the client and the database share the machine's ${machine.cores} cores.
- **Rounds.** Service and floor alternate within every round, and the order flips from round to round. Ratios are the
  median of the per-round ratios. Nothing is deleted until the end (on this ext4, creating files soon after a mass
  delete is several times slower), and every large file is read once before its download round (page cache).
- **Large transfers.** One client request of ${fmt(options.size / MiB)} MiB made from a reused 1 MiB buffer (upload) or
  read and discarded (download); MB/s = 10⁶ bytes per second. Downloads go A, B, B, A within a round and each side's
  figure is its two together: the first download after the uploads is slower whichever side makes it. Peak RSS is
  the service's \`VmHWM\` from \`/proc/<pid>/status\`, reset before each transfer through \`/proc/<pid>/clear_refs\`; a transfer of
  ${fmt((results.large?.rss.service.probe.size ?? 0) / MiB)} MiB is measured first to show the peak does not grow with size.
- **Machine limits.** Measured by the bench process before any server starts: md5 and sha256 of 512 MiB from one
  reused 1 MiB buffer (one core each), a 512 MiB file written in 1 MiB writes and fsynced on the scratch filesystem,
  and 2 GiB over one loopback TCP connection (sender and receiver in one process). The last column holds them.
- **S3.** A second service on the S3 driver, against an s3rver in its own process (\`bench/s3-server.mjs\`); its
  pair is \`bench/s3-direct-upload.mjs\`, a process uploading the same bytes to the same s3rver with
  \`@aws-sdk/lib-storage\` (its default parts and queue), alternating with the service round by round.
- **Concurrent uploads.** autocannon, 64 connections each posting 1 MiB raw bodies for ${options.duration} s; MB/s is
  the 2xx answers per second × 1 MiB.
- **tus.** \`bench/tus-upload.mjs\` in a process of its own (its own service on the local driver): a file of
  ${fmt(results.tus?.sizeMiB ?? 256)} MiB sent by tus-js-client (one PATCH), by a raw-body POST, and by tus-js-client to a bare
  \`@tus/server\` with \`@tus/file-store\` (\`bench/tus-floor.mjs\`), in the order raw, tus, bare, bare, tus, raw each round, after one unrecorded upload of each.
  The CPU rows are medians per upload: the service's, all threads (\`/proc/<pid>/stat\`), and the client's own
  (\`process.cpuUsage\`, the bench process); on two cores the client's share is taken from the service.
- **Request rates.** autocannon (programmatic API), ${options.duration} s per run after a short unrecorded warm-up:
  4 KiB raw-body uploads at 16 connections (\`POST /api/files\`, Bearer token); metadata \`GET /api/files/{id}\` of one
  file at 32 connections. Rates count 2xx answers only; errors are socket errors, timeouts and non-2xx answers.
- **Listing.** The rows the upload scenarios left are deleted first (all newer than the seeded ones and none
  matching the filter, they would sit on top of the newest-first walk). Then ${fmt(options.rows)} \`file_meta\` rows are seeded with one
  \`INSERT … SELECT generate_series\` per 100,000 rows, then \`VACUUM (ANALYZE)\`; 1 % of the filenames contain \`x\`.
  Latency is measured with one connection (sequential requests).
`;
}

export function printSummary(markdown) {
  console.log('\n' + markdown.split('\n## Machine')[0]);
}
