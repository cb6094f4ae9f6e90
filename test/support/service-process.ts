import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** Where tests keep their compiled copy of the service (incremental: unchanged sources rebuild in about 2 s). */
export const SERVICE_BUILD_DIR = join(ROOT, 'node_modules', '.cache', 'stowage-service-build');
const LOCK = `${SERVICE_BUILD_DIR}.lock`;

let built: Promise<void> | undefined;

/** Compiles the service once per test worker; workers take turns (a lock file), so none runs a half-written build. */
export function ensureServiceBuild(): Promise<void> {
  built ??= withLock(() =>
    promisify(execFile)(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(ROOT, 'tsconfig.build.json'),
        '--incremental',
        '--tsBuildInfoFile',
        join(SERVICE_BUILD_DIR, '.tsbuildinfo'),
        '--outDir',
        SERVICE_BUILD_DIR,
      ],
      { cwd: ROOT },
    ).then(() => undefined),
  );
  return built;
}

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  await mkdir(join(ROOT, 'node_modules', '.cache'), { recursive: true });
  for (;;) {
    try {
      const handle = await open(LOCK, 'wx');
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A worker killed mid-build leaves its lock behind: a build never takes two minutes.
      const age = Date.now() - (await stat(LOCK).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 120_000) await rm(LOCK, { force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await work();
  } finally {
    await rm(LOCK, { force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** A real Stowage process (`node dist/src/main.js`, as `npm start` runs it), for faults an in-process app cannot take. */
export interface ServiceProcess {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr, JSON log lines). */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<number | string>;
}

export interface ServiceProcessOptions {
  /** Port to listen on; a free one by default (restart a process on the same port to keep its URL). */
  port?: number;
  /** Node flags, e.g. ['--max-semi-space-size=4']. */
  nodeArgs?: string[];
  /** How long to wait for GET /health/live or /health to answer (default 60 s: the embedded database may initialise). */
  readyTimeoutMs?: number;
}

/**
 * Starts the compiled service with `env` (typically `prepareTestEnv(...).env`) and waits until it answers HTTP.
 * The caller stops it; a test that fails midway should still call stop() in its afterAll.
 */
export async function startServiceProcess(
  env: Record<string, string | undefined>,
  options: ServiceProcessOptions = {},
): Promise<ServiceProcess> {
  await ensureServiceBuild();
  const port = options.port ?? (await freePort());
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, NODE_OPTIONS: undefined, ...env, PORT: String(port), HOST: '127.0.0.1' })) {
    if (value !== undefined) childEnv[key] = value;
  }
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), join(SERVICE_BUILD_DIR, 'src', 'main.js')], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown')),
  );
  const url = `http://127.0.0.1:${port}`;
  const processHandle: ServiceProcess = {
    url,
    port,
    pid: child.pid!,
    child,
    output: () => output,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  let ended: number | string | undefined;
  void exited.then((code) => (ended = code));
  while (Date.now() < deadline) {
    if (ended !== undefined) throw new Error(`Stowage exited (${ended}) before answering:\n${output}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status < 500) return processHandle;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  processHandle.kill('SIGKILL');
  throw new Error(`Stowage did not answer within ${options.readyTimeoutMs ?? 60_000} ms:\n${output}`);
}
