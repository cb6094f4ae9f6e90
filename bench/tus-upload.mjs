// Resumable uploads (tus) against the raw-body upload, same bytes, same service, same run: N MiB through
// tus-js-client (one PATCH, as tus-js-client sends a file by default) and through POST /api/files, alternating
// (raw, tus, tus, raw per round; on local disk raw, tus, bare, bare, tus, raw, where "bare" is a bare @tus/server with
// @tus/file-store, bench/tus-floor.mjs), on the local driver and on S3 (s3rver). On S3 it also samples the disk that
// @tus/s3-store's part files take (the service's TMPDIR is a fresh directory, polled every 10 ms).
//
//   npx tsc -p tsconfig.build.json --outDir /tmp/tusbench-dist
//   node bench/tus-upload.mjs [--size 256] [--rounds 3] [--drivers local,s3] [--dist /tmp/tusbench-dist]
//
// The database is the embedded PostgreSQL unless BENCH_DATABASE_URL is set. Prints figures and `uptime` load
// before and after; asserts nothing about timing. Writes bench/results/<date>-tus.json.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, open, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import ts from 'typescript';
import { Upload } from 'tus-js-client';
import { freePort, login, PRODUCTION_ENV, PRODUCTION_NODE_ARGS } from './lib/processes.mjs';

const MiB = 1024 * 1024;
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '3' },
    drivers: { type: 'string', default: 'local,s3' },
    dist: { type: 'string', default: '/tmp/tusbench-dist' },
  },
});
const size = Number(values.size) * MiB;
const rounds = Number(values.rounds);
const drivers = values.drivers.split(',');
const dist = resolve(values.dist);
const repo = resolve(import.meta.dirname, '..');
const ADMIN_PASSWORD = 'bench-admin-password';
const nodeArgs = [...PRODUCTION_NODE_ARGS, ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

/** The compiled dist lives outside the repo: give it the repo's package.json (ESM) and node_modules. */
async function prepareDist() {
  if (!existsSync(join(dist, 'src/main.js')))
    throw new Error(`${dist}/src/main.js missing: npx tsc -p tsconfig.build.json --outDir ${dist}`);
  await copyFile(join(repo, 'package.json'), join(dist, 'package.json'));
  if (!existsSync(join(dist, 'node_modules'))) await symlink(join(repo, 'node_modules'), join(dist, 'node_modules'));
}

/**
 * The tests' S3 server (test/support/s3-server.ts: s3rver plus the ListParts, ListMultipartUploads and
 * AbortMultipartUpload that @tus/s3-store needs), transpiled on the fly so that bench and tests share one.
 */
async function startS3() {
  const source = await readFile(join(repo, 'test', 'support', 's3-server.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  // Inside the repo, so that its imports (s3rver) resolve from node_modules.
  const out = join(repo, 'node_modules', '.cache', 'stowage-bench', 's3-server.mjs');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, outputText);
  const { startS3Server } = await import(pathToFileURL(out).href);
  return startS3Server('bench');
}

async function startService(scratch, driver, s3) {
  const port = await freePort();
  const dataDir = join(scratch, `data-${driver}`);
  const tempDir = join(scratch, `tmp-${driver}`);
  await mkdir(dataDir);
  // World-writable, as /tmp: the embedded PostgreSQL's initdb (another user) reads a file it is given there.
  await mkdir(tempDir);
  await chmod(tempDir, 0o1777);
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    TMPDIR: tempDir,
    JWT_SECRET: randomBytes(32).toString('hex'),
    ADMIN_PASSWORD,
    ...PRODUCTION_ENV,
    ...(driver === 's3'
      ? {
          STORAGE_DRIVER: 's3',
          ...s3.env,
        }
      : {}),
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
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { child, url, tempDir, pid: child.pid };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('service did not become healthy');
}

/** Bytes in every file under `dir` (files vanish while we look: those count as 0). */
async function bytesUnder(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const sizes = await Promise.all(
    entries
      .filter((e) => e.isFile())
      .map((e) =>
        stat(join(e.parentPath, e.name)).then(
          (s) => s.size,
          () => 0,
        ),
      ),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

function rawUpload(url, token, path) {
  return new Promise((resolvePromise, reject) => {
    const req = request(`${url}/api/files`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/octet-stream',
        'Content-Length': size,
        'x-molgenis-filename': 'raw.bin',
      },
    });
    req.on('response', async (res) => {
      const chunks = [];
      for await (const c of res) chunks.push(c);
      const text = Buffer.concat(chunks).toString();
      if (res.statusCode !== 201) return reject(new Error(`raw upload answered ${res.statusCode}: ${text}`));
      resolvePromise(JSON.parse(text));
    });
    req.on('error', reject);
    pipeline(createReadStream(path, { highWaterMark: MiB }), req).catch(reject);
  });
}

/** A bare @tus/server + @tus/file-store (bench/tus-floor.mjs) in its own process. */
async function startBareTus(scratch) {
  const port = await freePort();
  const dir = join(scratch, 'bare-tus');
  await mkdir(dir);
  const child = spawn(process.execPath, [join(repo, 'bench', 'tus-floor.mjs'), dir, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((res, rej) => {
    child.stdout.on('data', (c) => String(c).includes('listening') && res());
    child.once('exit', (code) => rej(new Error(`bare tus server exited with ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

function tusUpload(url, token, path, endpoint = `${url}/api/uploads`) {
  return new Promise((resolvePromise, reject) => {
    const upload = new Upload(createReadStream(path), {
      endpoint,
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      metadata: { filename: 'tus.bin' },
      retryDelays: [],
      onError: reject,
      onSuccess: ({ lastResponse }) => resolvePromise({ id: lastResponse.getHeader('Stowage-File-Id') }),
    });
    upload.start();
  });
}

async function fileMeta(url, token, id) {
  const res = await fetch(`${url}/api/files/${id}`, { headers: { Authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`metadata of ${id} answered ${res.status}`);
  return res.json();
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
/** CPU seconds a process has used so far, all its threads (utime + stime of /proc/<pid>/stat). */
const cpuSeconds = async (pid) => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const ownCpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const peakRssMiB = async (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function measure(driver, scratch, source, expected) {
  const s3 = driver === 's3' ? await startS3() : undefined;
  const service = await startService(scratch, driver, s3);
  const token = await login(service, ADMIN_PASSWORD);
  // The bare tus server goes beside the local driver only (its file store is on local disk).
  const bare = driver === 'local' ? await startBareTus(scratch) : undefined;
  // CPU seconds per upload, of the service and of this process (the client): on a small machine the two share the
  // cores, so a client that costs more slows the upload it makes.
  const results = {
    raw: [],
    tus: [],
    bare: [],
    cpu: { raw: [], tus: [] },
    clientCpu: { raw: [], tus: [] },
    peakPartBufferMiB: 0,
    peakRssMiB: { raw: 0, tus: 0 },
  };
  try {
    // One unrecorded upload each first, as the other scenarios warm up: the first one of each kind also pays for
    // compiling its code paths, in the client (tus-js-client) as in the service.
    for (const method of bare ? ['raw', 'tus', 'bare'] : ['raw', 'tus']) {
      if (method === 'bare') {
        await tusUpload(bare.url, undefined, source, `${bare.url}/files`);
        continue;
      }
      const { id } = method === 'raw' ? await rawUpload(service.url, token, source) : await tusUpload(service.url, token, source);
      const del = await fetch(`${service.url}/api/files/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
      if (del.status !== 204) throw new Error(`delete answered ${del.status}`);
    }
    console.log(`  ${driver}: warmed up (one unrecorded upload each)`);
    for (let round = 1; round <= rounds; round++) {
      for (const method of bare ? ['raw', 'tus', 'bare', 'bare', 'tus', 'raw'] : ['raw', 'tus', 'tus', 'raw']) {
        if (method === 'bare') {
          const started = performance.now();
          await tusUpload(bare.url, undefined, source, `${bare.url}/files`);
          const mbps = size / 1e6 / ((performance.now() - started) / 1000);
          results.bare.push(mbps);
          console.log(`  ${driver} round ${round} bare @tus/server: ${mbps.toFixed(1)} MB/s (load ${load()})`);
          continue;
        }
        await writeFile(`/proc/${service.pid}/clear_refs`, '5').catch(() => undefined);
        let peakDisk = 0;
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            peakDisk = Math.max(peakDisk, await bytesUnder(service.tempDir));
            await new Promise((r) => setTimeout(r, 10));
          }
        })();
        const cpuBefore = await cpuSeconds(service.pid);
        const clientCpuBefore = ownCpuSeconds();
        const started = performance.now();
        const { id } = method === 'raw' ? await rawUpload(service.url, token, source) : await tusUpload(service.url, token, source);
        const seconds = (performance.now() - started) / 1000;
        results.clientCpu[method].push(ownCpuSeconds() - clientCpuBefore);
        results.cpu[method].push((await cpuSeconds(service.pid)) - cpuBefore);
        sampling = false;
        await sampler;
        const meta = await fileMeta(service.url, token, id);
        if (meta.size !== size || meta.sha256 !== expected) throw new Error(`${method}: stored ${meta.size} bytes, sha256 ${meta.sha256}`);
        const mbps = size / 1e6 / seconds;
        results[method].push(mbps);
        results.peakRssMiB[method] = Math.max(results.peakRssMiB[method], await peakRssMiB(service.pid));
        if (method === 'tus') results.peakPartBufferMiB = Math.max(results.peakPartBufferMiB, peakDisk / MiB);
        console.log(
          `  ${driver} round ${round} ${method}: ${mbps.toFixed(1)} MB/s${method === 'tus' && driver === 's3' ? `, part files peaked at ${(peakDisk / MiB).toFixed(1)} MiB` : ''} (load ${load()})`,
        );
        const del = await fetch(`${service.url}/api/files/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
        if (del.status !== 204) throw new Error(`delete answered ${del.status}`);
      }
    }
    results.leftInTempDir = await bytesUnder(service.tempDir);
  } finally {
    service.child.kill('SIGTERM');
    await new Promise((r) => (service.child.exitCode !== null ? r() : service.child.once('exit', r)));
    await s3?.close();
    bare?.child.kill('SIGTERM');
  }
  return results;
}

await prepareDist();
const scratch = await mkdtemp(join(tmpdir(), 'stowage-tus-bench-'));
await chmod(scratch, 0o755);
try {
  const source = join(scratch, 'source.bin');
  const file = await open(source, 'w');
  for (let written = 0; written < size; written += 16 * MiB) await file.write(randomBytes(Math.min(16 * MiB, size - written)));
  await file.close();
  // What hashing the whole file costs on this machine: the read-back a resumed upload's completion pays (see docs/tus.md).
  const hashStarted = performance.now();
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  for await (const chunk of createReadStream(source, { highWaterMark: MiB })) {
    sha.update(chunk);
    md5.update(chunk);
  }
  const expected = sha.digest('hex');
  md5.digest('hex');
  const hashSeconds = (performance.now() - hashStarted) / 1000;
  const loadBefore = load();
  console.log(
    `${size / MiB} MiB, ${rounds} rounds (raw, tus, tus, raw each); load before ${loadBefore}; sha256+md5 of the file in-process: ${(size / 1e6 / hashSeconds).toFixed(0)} MB/s`,
  );

  const summary = { sizeMiB: size / MiB, rounds, loadBefore, hashMBps: +(size / 1e6 / hashSeconds).toFixed(1), drivers: {} };
  for (const driver of drivers) {
    const r = await measure(driver, scratch, source, expected);
    const raw = median(r.raw);
    const tus = median(r.tus);
    summary.drivers[driver] = {
      rawMBps: r.raw.map((x) => +x.toFixed(1)),
      tusMBps: r.tus.map((x) => +x.toFixed(1)),
      medianRawMBps: +raw.toFixed(1),
      medianTusMBps: +tus.toFixed(1),
      tusToRaw: +(tus / raw).toFixed(2),
      ...(r.bare.length
        ? {
            bareTusMBps: r.bare.map((x) => +x.toFixed(1)),
            medianBareTusMBps: +median(r.bare).toFixed(1),
            tusToBare: +(tus / median(r.bare)).toFixed(2),
          }
        : {}),
      serviceCpuSeconds: { raw: +median(r.cpu.raw).toFixed(2), tus: +median(r.cpu.tus).toFixed(2) },
      clientCpuSeconds: { raw: +median(r.clientCpu.raw).toFixed(2), tus: +median(r.clientCpu.tus).toFixed(2) },
      peakRssMiB: { raw: +r.peakRssMiB.raw.toFixed(1), tus: +r.peakRssMiB.tus.toFixed(1) },
      ...(driver === 's3' ? { peakPartBufferMiB: +r.peakPartBufferMiB.toFixed(1), partBufferLeftBytes: r.leftInTempDir } : {}),
    };
    console.log(
      `${driver}: raw ${raw.toFixed(1)} MB/s, tus ${tus.toFixed(1)} MB/s (medians), tus/raw ${(tus / raw).toFixed(2)}` +
        (r.bare.length ? `, bare @tus/server ${median(r.bare).toFixed(1)} MB/s, tus/bare ${(tus / median(r.bare)).toFixed(2)}` : '') +
        `; CPU s per upload: service raw ${median(r.cpu.raw).toFixed(2)}, tus ${median(r.cpu.tus).toFixed(2)}; ` +
        `client raw ${median(r.clientCpu.raw).toFixed(2)}, tus ${median(r.clientCpu.tus).toFixed(2)}; ` +
        `peak RSS raw ${r.peakRssMiB.raw.toFixed(0)} MiB, tus ${r.peakRssMiB.tus.toFixed(0)} MiB` +
        (driver === 's3' ? `; part files peaked at ${r.peakPartBufferMiB.toFixed(1)} MiB, ${r.leftInTempDir} bytes left` : ''),
    );
  }
  summary.loadAfter = load();
  console.log(`load after ${summary.loadAfter}`);
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
  await mkdir(join(repo, 'bench', 'results'), { recursive: true });
  await writeFile(join(repo, 'bench', 'results', `${stamp}-tus.json`), JSON.stringify(summary, null, 2) + '\n');
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await rm(scratch, { recursive: true, force: true });
}
