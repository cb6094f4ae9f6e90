import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './service-process.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** The repository's own proxy configuration, as docker-compose.yml mounts it. */
export const SITE_CONF = join(ROOT, 'deploy', 'nginx.conf');

/** Debian's nginx (`apt-get install nginx-light`; .ci/run installs it when missing), or NGINX_BIN. */
export function nginxBinary(): string | undefined {
  const candidates = [process.env.NGINX_BIN, '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];
  const found = candidates.find((path) => path !== undefined && existsSync(path));
  if (found) return found;
  return spawnSync('nginx', ['-v']).error ? undefined : 'nginx';
}

export interface Nginx {
  url: string;
  /** What nginx wrote to its error log so far. */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * nginx in the foreground, as a child of the test, in a temp prefix (pid, logs, temp files), serving `siteConf`
 * (deploy/nginx.conf) with its `listen 80;` moved to a free loopback port and an `upstream stowage` of `upstreams`
 * (host:port) in place of deploy/nginx-upstream.conf. Nothing else of the site is changed.
 */
export async function startNginx(upstreams: string[], siteConf = SITE_CONF): Promise<Nginx> {
  const binary = nginxBinary();
  if (!binary) throw new Error('nginx is not installed: apt-get install nginx-light (bash .ci/run does it when missing)');
  const prefix = await mkdtemp(join(tmpdir(), 'stowage-nginx-'));
  for (const dir of ['logs', 'client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(prefix, dir));
  const port = await freePort();

  const site = await readFile(siteConf, 'utf8');
  const listens = site.match(/^\s*listen 80;$/gm) ?? [];
  if (listens.length !== 1) throw new Error(`${siteConf} should have exactly one "listen 80;" line, not ${listens.length}`);
  await writeFile(join(prefix, 'site.conf'), site.replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${port};`));
  await writeFile(
    join(prefix, 'upstream.conf'),
    `upstream stowage {\n    zone stowage 64k;\n${upstreams.map((u) => `    server ${u};\n`).join('')}    keepalive 32;\n}\n`,
  );
  // The main file, as the nginx image's own: only paths moved into the prefix, one worker (round-robin is then
  // strictly alternating, which the tests rely on to spread requests over the instances).
  await writeFile(
    join(prefix, 'nginx.conf'),
    [
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      'worker_processes 1;',
      `pid ${join(prefix, 'nginx.pid')};`,
      `error_log ${join(prefix, 'logs', 'error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      `    access_log ${join(prefix, 'logs', 'access.log')};`,
      `    client_body_temp_path ${join(prefix, 'client_body')};`,
      `    proxy_temp_path ${join(prefix, 'proxy')};`,
      `    fastcgi_temp_path ${join(prefix, 'fastcgi')};`,
      `    uwsgi_temp_path ${join(prefix, 'uwsgi')};`,
      `    scgi_temp_path ${join(prefix, 'scgi')};`,
      '    default_type application/octet-stream;',
      '    sendfile on;',
      '    keepalive_timeout 65;',
      `    include ${join(prefix, 'upstream.conf')};`,
      `    include ${join(prefix, 'site.conf')};`,
      '}',
      '',
    ].join('\n'),
  );

  const args = ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'logs', 'error.log'), '-g', 'daemon off;'];
  const check = spawnSync(binary, [...args.slice(0, -2), '-t'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx refused the configuration:\n${check.stderr}`);

  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    await rm(prefix, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    const ok = await fetch(`${url}/nginx-health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, errorLog: () => readFile(join(prefix, 'logs', 'error.log'), 'utf8').catch(() => ''), stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`nginx did not start:\n${stderr}`);
}
