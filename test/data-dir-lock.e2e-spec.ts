import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureServiceBuild, freePort, SERVICE_BUILD_DIR, ServiceProcess, startServiceProcess } from './support/service-process.js';
import { prepareTestEnv, TestEnv } from './support/test-app.js';

/** Runs the compiled service in a PID namespace of its own (as a second container would), until it exits. */
async function runInOwnPidNamespace(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  await ensureServiceBuild();
  const childEnv: Record<string, string> = {};
  const port = await freePort();
  for (const [key, value] of Object.entries({ ...process.env, NODE_OPTIONS: undefined, ...env, PORT: String(port), HOST: '127.0.0.1' })) {
    if (value !== undefined) childEnv[key] = value;
  }
  const child = spawn('unshare', ['--pid', '--fork', process.execPath, join(SERVICE_BUILD_DIR, 'src', 'main.js')], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Bounded: a process that started after all (the bug) is stopped, and its answer on /health is in the output.
  const timer = setTimeout(() => {
    output += '\n(test: still running after 60 s, stopped)';
    child.kill('SIGKILL');
  }, 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, output };
}

const embedded = process.env.TEST_DATABASE_URL ? describe.skip : describe;

/** DATA_DIR's lock decides by a lock kept fresh, not by PID: safe for two containers (two PID namespaces) on one DATA_DIR. */
embedded('the DATA_DIR lock across PID namespaces', () => {
  let testEnv: TestEnv;
  const processes: ServiceProcess[] = [];

  beforeAll(async () => {
    testEnv = await prepareTestEnv();
  });
  afterAll(async () => {
    for (const p of processes) await p.stop().catch(() => undefined);
    await testEnv?.cleanup();
  });

  it('a second process on the same DATA_DIR refuses to start, the first keeps serving; after a SIGKILL a new one starts', async () => {
    const first = await startServiceProcess(testEnv.env, { readyTimeoutMs: 120_000 });
    processes.push(first);

    const second = await runInOwnPidNamespace(testEnv.env);
    expect(second.output).toMatch(/DATA_DIR .* is in use by another Stowage process/);
    expect(second.code).not.toBe(0);
    expect((await fetch(`${first.url}/health`)).status).toBe(200);

    // Killed outright: its lock is no longer kept fresh, and its PostgreSQL is left behind.
    first.kill('SIGKILL');
    await first.exited;
    const third = await startServiceProcess(testEnv.env, { readyTimeoutMs: 120_000 });
    processes.push(third);
    expect((await fetch(`${third.url}/health`)).status).toBe(200);
  }, 300_000);
});
