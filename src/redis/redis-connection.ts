import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

/** How long start-up waits for Redis before going on without it (routes that need it answer 503 meanwhile). */
const READY_WAIT_MS = 2000;

export interface RedisSettings {
  url: string;
  keyPrefix: string;
}

/**
 * The service's one Redis client (REDIS_URL), or none when it is unset. Every command fails fast while Redis is out
 * of reach (no offline queue, a command timeout), so callers can answer 503 at once; the client keeps reconnecting
 * in the background and the service resumes by itself when Redis is back.
 */
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnection.name);
  private state: 'starting' | 'up' | 'down' = 'starting';

  private constructor(
    /** Undefined without REDIS_URL: counters then live in this process. */
    readonly client: Redis | undefined,
    private readonly where: string,
  ) {
    client?.on('ready', () => this.changed('up'));
    client?.on('error', (error: Error) => this.changed('down', error.message));
    client?.on('close', () => this.changed('down', 'connection closed'));
  }

  static none(): RedisConnection {
    return new RedisConnection(undefined, '');
  }

  static async connect(settings: RedisSettings): Promise<RedisConnection> {
    const client = new Redis(settings.url, {
      keyPrefix: settings.keyPrefix,
      // Fail rather than wait: a request must not hang while Redis is away.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1000,
      connectTimeout: 2000,
      // Reconnect forever, at most a second apart.
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
    });
    const connection = new RedisConnection(client, redacted(settings.url));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, READY_WAIT_MS);
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return connection;
  }

  private changed(state: 'up' | 'down', reason?: string): void {
    if (state === this.state) return;
    const before = this.state;
    this.state = state;
    if (state === 'up')
      this.logger.log(before === 'down' ? `Redis at ${this.where} is reachable again` : `Connected to Redis at ${this.where}`);
    else this.logger.warn(`Redis at ${this.where} is unreachable (${reason}): rate-limited routes and logins answer 503 until it is back`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    this.state = 'up'; // no warning for the connection we close ourselves
    this.client.removeAllListeners('close');
    await this.client.quit().catch(() => this.client?.disconnect());
  }
}

/** The URL without its password, for logs. */
function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
