// Starting and stopping the servers under test, and reading their memory from /proc.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** Spawns a Node child, keeps the tail of its output for error messages, waits until `ready(url)` resolves true. */
async function startNode(name, args, { env, cwd, port, readyPath, nodeArgs = [] }) {
  const fullEnv = Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined));
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk) => (tail = (tail + chunk).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} while starting:\n${tail}`);
    const ok = await fetch(url + readyPath).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) return { name, url, pid: child.pid, child, output: () => tail };
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not answer on ${url}${readyPath} within 120 s:\n${tail}`);
}

// Run inside the service for --cpu-prof: Nest ends itself with process.kill(pid, SIGTERM) after its shutdown hooks,
// which would skip writing the profile; turn that self-kill into a normal exit.
const EXIT_NORMALLY = `data:text/javascript,${encodeURIComponent(
  'const kill = process.kill.bind(process); process.kill = (pid, sig) => (pid === process.pid ? process.exit(0) : kill(pid, sig));',
)}`;

/** The node flags `npm start` and the Dockerfile run the service with (README, Operating). */
export const PRODUCTION_NODE_ARGS = ['--max-semi-space-size=4'];

/**
 * The environment `npm start` and the Dockerfile give it: uploads hold libuv threads through fsync; glibc's malloc
 * settings keep it from hoarding freed transfer buffers (README, Operating). The caller's own values win.
 */
export const PRODUCTION_ENV = {
  UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16',
  MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
  MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '131072',
};

/** `env`: extra settings for this run (e.g. rate limits), over the production defaults. */
export async function startService({ dist, dataDir, databaseUrl, password, nodeArgs = [], env: extra = {} }) {
  const port = await freePort();
  const env = {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: password,
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123456789',
    LOG_LEVEL: 'warn',
    ...PRODUCTION_ENV,
    DATABASE_URL: databaseUrl, // undefined: the embedded default, whatever the caller's environment says
    ...extra,
  };
  const args = [...PRODUCTION_NODE_ARGS, ...(nodeArgs.length ? ['--import', EXIT_NORMALLY, ...nodeArgs] : [])];
  return startNode('service', [resolve(dist, 'src/main.js')], { env, cwd: dataDir, port, readyPath: '/health', nodeArgs: args });
}

/** Logs in as the admin a benchmark started the service with; returns the bearer token. */
export async function login(service, password) {
  const res = await fetch(`${service.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  if (res.status !== 200) throw new Error(`login answered ${res.status}: ${await res.text()}`);
  return (await res.json()).token;
}

export async function startFloor(benchDir, dataDir) {
  const port = await freePort();
  return startNode('floor', [join(benchDir, 'floor-server.mjs'), dataDir, String(port)], { cwd: dataDir, port, readyPath: '/' });
}

export async function startFrameworkFloor(benchDir) {
  const port = await freePort();
  return startNode('framework floor', [join(benchDir, 'framework-floor.mjs'), String(port)], {
    cwd: benchDir,
    port,
    readyPath: '/api/files/x',
  });
}

export async function stop(proc) {
  if (!proc || proc.child.exitCode !== null) return;
  const exited = once(proc.child, 'exit');
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** Peak resident memory (VmHWM) since start or since the last resetPeakRss, in bytes. */
export function peakRss(pid) {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

export function currentRss(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/** Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0), so a peak can be taken per transfer. */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** s3rver in its own process, with one bucket `bench`. */
export async function startS3Server(benchDir, dataDir) {
  const port = await freePort();
  const proc = await startNode('S3 server', [join(benchDir, 's3-server.mjs'), dataDir, String(port), 'bench'], {
    cwd: dataDir,
    port,
    readyPath: '/',
  });
  return { ...proc, endpoint: proc.url, bucket: 'bench' };
}
