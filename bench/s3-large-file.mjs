// Large files through S3: streams N MiB up and down through a running Stowage on the S3 driver (s3rver), and shows
// that the service's peak RSS stays flat whatever the size. Then deletes the files and checks the bucket is empty.
//
//   npx tsc -p tsconfig.build.json --outDir /tmp/s3bench-dist
//   node bench/s3-large-file.mjs [sizesMiB=128,1024] [distDir=/tmp/s3bench-dist]
//
// BENCH_NODE_ARGS: extra node flags for the service, as in bench/run.mjs; the service always gets the flags and
// environment `npm start` and the Dockerfile use (PRODUCTION_NODE_ARGS, PRODUCTION_ENV).
// Peaks are per phase (VmHWM reset in between): boot, login (one argon2 verify holds 19 MiB while it runs; hashes of earlier releases 64 MiB), upload,
// download; "lifetime" is the highest of them.
//
// Each size gets a fresh service process (VmHWM is a per-process peak). The database is the embedded PostgreSQL
// (its own processes, not counted) unless BENCH_DATABASE_URL is set.
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver from 's3rver';
import { login, PRODUCTION_ENV, PRODUCTION_NODE_ARGS } from './lib/processes.mjs';

const MiB = 1024 * 1024;
const [sizesArg = '128,1024', distArg = '/tmp/s3bench-dist'] = process.argv.slice(2);
const sizes = sizesArg.split(',').map((s) => Number(s) * MiB);
const dist = resolve(distArg);
const repo = resolve(import.meta.dirname, '..');
const ADMIN_PASSWORD = 'bench-admin-password';
const nodeArgs = [...PRODUCTION_NODE_ARGS, ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];

/** The compiled dist lives outside the repo: give it the repo's package.json (ESM) and node_modules. */
async function prepareDist() {
  if (!existsSync(join(dist, 'src/main.js')))
    throw new Error(`${dist}/src/main.js missing: npx tsc -p tsconfig.build.json --outDir ${dist}`);
  await copyFile(join(repo, 'package.json'), join(dist, 'package.json'));
  if (!existsSync(join(dist, 'node_modules'))) await symlink(join(repo, 'node_modules'), join(dist, 'node_modules'));
}

function freePort() {
  return new Promise((res, rej) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => res(port));
    });
    server.on('error', rej);
  });
}

async function startS3() {
  const directory = await mkdtemp(join(tmpdir(), 'stowage-bench-s3-'));
  const port = await freePort();
  const s3rver = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: [{ name: 'bench' }] });
  await s3rver.run();
  return { s3rver, directory, endpoint: `http://127.0.0.1:${port}`, bucket: 'bench' };
}

async function startService(s3) {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'stowage-bench-data-'));
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JWT_SECRET: randomBytes(32).toString('hex'),
    ADMIN_PASSWORD,
    STORAGE_DRIVER: 's3',
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: s3.bucket,
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    S3_FORCE_PATH_STYLE: 'true',
    ...PRODUCTION_ENV,
    ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
  };
  const child = spawn(process.execPath, [...nodeArgs, join(dist, 'src/main.js')], {
    cwd: dataDir,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, url, dataDir };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('service did not become healthy');
}

async function memory(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(status.match(new RegExp(`${name}:\\s+(\\d+) kB`))[1]);
  return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
}

/** `size` random bytes made on the fly, hashed as they go. */
function generated(size) {
  const hash = createHash('sha256');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= size) return this.push(null);
      const chunk = randomBytes(Math.min(MiB, size - sent));
      sent += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

function upload(url, token, size) {
  const body = generated(size);
  return new Promise((res, rej) => {
    const req = request(`${url}/api/files`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/octet-stream',
        'Content-Length': size,
        'x-molgenis-filename': 'big.bin',
      },
    });
    req.on('response', async (response) => {
      const chunks = [];
      for await (const c of response) chunks.push(c);
      const text = Buffer.concat(chunks).toString();
      if (response.statusCode !== 201) return rej(new Error(`upload answered ${response.statusCode}: ${text}`));
      res({ file: JSON.parse(text), sha256: body.sha256() });
    });
    req.on('error', rej);
    pipeline(body.stream, req).catch(rej);
  });
}

async function download(url, token, id) {
  const res = await fetch(`${url}/api/files/${id}?alt=media`, { headers: { Authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`download answered ${res.status}`);
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.length;
    hash.update(chunk);
  }
  return { size, sha256: hash.digest('hex') };
}

/** Every file s3rver keeps for the bucket (objects, metadata, multipart parts), straight from its directory. */
async function bucketFilesOnDisk(s3) {
  const entries = await readdir(join(s3.directory, s3.bucket), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0), so each phase gets its own peak. */
async function resetPeak(pid) {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
}

async function runOnce(s3, size) {
  const service = await startService(s3);
  const pid = service.child.pid;
  let peakRss = 0;
  const sampler = setInterval(
    () =>
      memory(pid).then(
        (m) => (peakRss = Math.max(peakRss, m.rssMiB)),
        () => {},
      ),
    100,
  );
  try {
    const booted = await memory(pid);
    const token = await login(service, ADMIN_PASSWORD);
    const loggedIn = await memory(pid);

    await resetPeak(pid);
    let t = performance.now();
    const up = await upload(service.url, token, size);
    const upSeconds = (performance.now() - t) / 1000;
    const afterUpload = await memory(pid);
    if (up.file.size !== size || up.file.sha256 !== up.sha256)
      throw new Error(`stored ${up.file.size} bytes, sha256 ${up.file.sha256}; sent ${size}, ${up.sha256}`);

    await resetPeak(pid);
    t = performance.now();
    const down = await download(service.url, token, up.file.id);
    const downSeconds = (performance.now() - t) / 1000;
    const afterDownload = await memory(pid);
    if (down.size !== size || down.sha256 !== up.sha256) throw new Error(`downloaded ${down.size} bytes, sha256 ${down.sha256}`);

    const del = await fetch(`${service.url}/api/files/${up.file.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
    if (del.status !== 204) throw new Error(`delete answered ${del.status}`);

    const mib = (n) => +n.toFixed(1);
    return {
      sizeMiB: size / MiB,
      uploadMBps: mib(size / 1e6 / upSeconds),
      downloadMBps: mib(size / 1e6 / downSeconds),
      rssAfterBootMiB: mib(booted.rssMiB),
      peakRssBootMiB: mib(booted.hwmMiB),
      peakRssLoginMiB: mib(loggedIn.hwmMiB),
      peakRssUploadMiB: mib(afterUpload.hwmMiB),
      peakRssDownloadMiB: mib(afterDownload.hwmMiB),
      peakRssLifetimeMiB: mib(Math.max(loggedIn.hwmMiB, afterUpload.hwmMiB, afterDownload.hwmMiB)),
      sampledPeakRssMiB: mib(peakRss),
    };
  } finally {
    clearInterval(sampler);
    service.child.kill('SIGTERM');
    await new Promise((r) => (service.child.exitCode !== null ? r() : service.child.once('exit', r)));
    await rm(service.dataDir, { recursive: true, force: true });
  }
}

await prepareDist();
const s3 = await startS3();
try {
  const results = [];
  for (const size of sizes) {
    const result = await runOnce(s3, size);
    results.push(result);
    console.log(
      `${result.sizeMiB} MiB: up ${result.uploadMBps} MB/s, down ${result.downloadMBps} MB/s; ` +
        `peak RSS (VmHWM) at boot ${result.peakRssBootMiB} MiB, through login ${result.peakRssLoginMiB} MiB, ` +
        `during upload ${result.peakRssUploadMiB} MiB, during download ${result.peakRssDownloadMiB} MiB (lifetime ${result.peakRssLifetimeMiB} MiB)`,
    );
  }
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
  const onDisk = await bucketFilesOnDisk(s3);
  console.log(`after deleting every file: ${listed.KeyCount ?? 0} object(s) listed, ${onDisk.length} file(s) in the bucket's directory`);
  console.log(JSON.stringify({ results, bucketObjectsAfterDelete: listed.KeyCount ?? 0, bucketFilesOnDisk: onDisk }, null, 2));
  client.destroy();
  if ((listed.KeyCount ?? 0) !== 0 || onDisk.length !== 0) process.exitCode = 1;
} finally {
  await s3.s3rver.close();
  await rm(s3.directory, { recursive: true, force: true });
}
