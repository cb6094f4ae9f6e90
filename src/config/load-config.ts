import { resolve } from 'node:path';
import { AppConfig } from './app-config.js';
import { validateEnv } from './env.validation.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

function durationToSeconds(value: string): number {
  const unit = value.at(-1)!;
  return unit in UNIT_SECONDS ? Number(value.slice(0, -1)) * UNIT_SECONDS[unit] : Number(value);
}

/** Reads and validates the environment once; the only place (with ormconfig.ts) that looks at process.env. */
export function loadConfig(raw: Record<string, string | undefined> = process.env): AppConfig {
  const env = validateEnv(raw);
  return {
    nodeEnv: env.NODE_ENV ?? 'development',
    http: {
      port: env.PORT ?? 3000,
      host: env.HOST ?? '0.0.0.0',
      jsonBodyLimit: '100kb',
      corsOrigins: (env.CORS_ORIGINS ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      trustProxy: env.TRUST_PROXY === 'true' ? true : env.TRUST_PROXY === 'false' ? false : (env.TRUST_PROXY ?? 'loopback'),
      idleTimeoutSeconds: env.REQUEST_IDLE_TIMEOUT_SECONDS ?? 120,
      headersTimeoutSeconds: env.HEADERS_TIMEOUT_SECONDS ?? 60,
      shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS ?? 30,
    },
    dataDir: resolve(env.DATA_DIR ?? './data'),
    database: {
      url: env.DATABASE_URL,
      migrationsRun: env.DATABASE_MIGRATIONS_RUN ?? true,
      poolSize: env.DATABASE_POOL_SIZE ?? 10,
    },
    auth: {
      jwtSecret: env.JWT_SECRET,
      jwtExpiresInSeconds: durationToSeconds(env.JWT_EXPIRES_IN ?? '1h'),
      adminUsername: env.ADMIN_USERNAME ?? 'admin',
      adminPassword: env.ADMIN_PASSWORD,
      adminPasswordReset: env.ADMIN_PASSWORD_RESET ?? false,
      idpTokenMaxIdleSeconds: env.IDP_TOKEN_MAX_IDLE_SECONDS ?? 7 * 86400,
      trustHasuraHeaders: env.HASURA_TRUST_HEADERS ?? false,
      sessionTtlSeconds: env.SESSION_TTL_SECONDS ?? 8 * 3600,
      secureCookies: (env.NODE_ENV ?? 'development') !== 'development',
    },
    console: { dir: resolve(env.CONSOLE_DIR ?? './dist/console') },
    identityProvider: env.JWT_JWKS_URI
      ? {
          jwksUri: env.JWT_JWKS_URI,
          issuer: env.JWT_ISSUER!,
          audience: env.JWT_AUDIENCE!,
          rolesClaim: env.JWT_ROLES_CLAIM ?? 'roles',
          usernameClaim: env.JWT_USERNAME_CLAIM ?? 'preferred_username',
          jwksCooldownSeconds: env.JWT_JWKS_COOLDOWN_SECONDS ?? 30,
        }
      : undefined,
    uploads: {
      maxBytes: env.MAX_UPLOAD_BYTES ?? 10 * 1024 ** 3,
      expirySeconds: env.UPLOAD_EXPIRY_SECONDS ?? 86400,
      sessionsPerUser: env.UPLOAD_SESSIONS_PER_USER ?? 100,
    },
    orphans: { minAgeSeconds: env.ORPHAN_MIN_AGE_SECONDS ?? 3600, sweepIntervalSeconds: env.SWEEP_INTERVAL_SECONDS ?? 900 },
    quotas: { bytesPerUser: env.QUOTA_BYTES_PER_USER, filesPerUser: env.QUOTA_FILES_PER_USER },
    downloads: { cacheControl: env.CACHE_CONTROL?.trim() || 'private' },
    tus: { lockPoolSize: env.TUS_LOCK_POOL_SIZE ?? 20 },
    storage: {
      driver: env.STORAGE_DRIVER ?? 'local',
      presignedDownloads: env.STORAGE_PRESIGNED_DOWNLOADS ?? false,
      s3:
        env.STORAGE_DRIVER === 's3'
          ? {
              endpoint: env.S3_ENDPOINT,
              bucket: env.S3_BUCKET!,
              region: env.S3_REGION ?? 'us-east-1',
              accessKeyId: env.S3_ACCESS_KEY_ID,
              secretAccessKey: env.S3_SECRET_ACCESS_KEY,
              forcePathStyle: env.S3_FORCE_PATH_STYLE ?? Boolean(env.S3_ENDPOINT),
            }
          : undefined,
    },
    redis: env.REDIS_URL ? { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX ?? 'stowage:' } : undefined,
    limits: {
      requestsPerMinute: env.RATE_LIMIT_PER_MINUTE,
      loginFailuresPerAccount: env.LOGIN_MAX_FAILURES_PER_ACCOUNT ?? 10,
      loginFailuresPerAddress: env.LOGIN_MAX_FAILURES_PER_ADDRESS ?? 20,
      loginFailureWindowSeconds: env.LOGIN_FAILURE_WINDOW_SECONDS ?? 900,
      passwordHashMaxWaiting: env.PASSWORD_HASH_MAX_WAITING ?? 32,
    },
    log: { level: env.LOG_LEVEL ?? 'info' },
    metrics: { token: env.METRICS_TOKEN, port: env.METRICS_PORT },
    audit: {
      enabled: env.AUDIT_ENABLED ?? true,
      retentionDays: env.AUDIT_RETENTION_DAYS ?? 90,
      pruneIntervalSeconds: env.AUDIT_PRUNE_INTERVAL_SECONDS ?? 3600,
    },
    webhooks: {
      urls: (env.WEBHOOK_URLS ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
      secret: env.WEBHOOK_SECRET,
      pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS ?? 1000,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS ?? 10_000,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS ?? 20,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS ?? 10_000,
      retentionDays: env.WEBHOOK_RETENTION_DAYS ?? 30,
      pruneIntervalSeconds: env.WEBHOOK_PRUNE_INTERVAL_SECONDS ?? 3600,
    },
  };
}
