/** The typed, validated configuration of one Stowage process. Built once by `loadConfig`. */
export type StorageDriver = 'local' | 's3';

export interface S3Settings {
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

export interface IdentityProviderSettings {
  jwksUri: string;
  issuer: string;
  audience: string;
  /** Dotted path to the roles array, e.g. `realm_access.roles`. */
  rolesClaim: string;
  /** Dotted path to the display name; `sub` is the fallback. Users are keyed on (issuer, sub), not on this. */
  usernameClaim: string;
  jwksCooldownSeconds: number;
}

export abstract class AppConfig {
  abstract readonly nodeEnv: 'development' | 'production' | 'test';
  abstract readonly http: {
    port: number;
    host: string;
    jsonBodyLimit: string;
    /** Browser origins allowed to call the API (CORS); empty: none, `['*']`: any. */
    corsOrigins: string[];
    /** Express `trust proxy`: which hops' X-Forwarded-* headers to believe. */
    trustProxy: string | boolean;
    /** A connection (a request body, a download) that moves no byte for this long is dropped. */
    idleTimeoutSeconds: number;
    /** All of a request's headers must arrive within this long. */
    headersTimeoutSeconds: number;
    /** On SIGTERM: how long requests in flight get to finish. */
    shutdownGraceSeconds: number;
  };
  /** Root of everything kept on local disk: embedded database, local blobs, dev secrets. */
  abstract readonly dataDir: string;
  abstract readonly database: {
    /** Unset: the embedded PostgreSQL under `dataDir/pg` is used. */
    url?: string;
    migrationsRun: boolean;
    poolSize: number;
  };
  abstract readonly auth: {
    /** Unset outside production: a random secret is kept in `dataDir/.jwt-secret`. */
    jwtSecret?: string;
    jwtExpiresInSeconds: number;
    adminUsername: string;
    adminPassword?: string;
    /** ADMIN_PASSWORD_RESET: give the existing admin ADMIN_PASSWORD (and the admin role) at start. */
    adminPasswordReset: boolean;
    /** API tokens of an IdP user work only this long after the user's last valid IdP token. */
    idpTokenMaxIdleSeconds: number;
    /** HASURA_TRUST_HEADERS: on /v1/file, X-Hasura-User-Id / X-Hasura-Role authenticate the caller. */
    trustHasuraHeaders: boolean;
    /** SESSION_TTL_SECONDS: how long a console sign-in (session cookie) lasts. */
    sessionTtlSeconds: number;
    /** Session cookies carry `Secure`: everywhere but NODE_ENV=development. */
    secureCookies: boolean;
  };
  /** The web console served at `/`: the directory of its build (served only when it holds an index.html). */
  abstract readonly console: { dir: string };
  /** Set when JWT_JWKS_URI is: RS256/ES256 tokens of that identity provider are accepted besides our own. */
  abstract readonly identityProvider?: IdentityProviderSettings;
  /**
   * `expirySeconds`: how long an unfinished chunked upload survives its last chunk; `sessionsPerUser`: how many
   * unfinished chunked uploads one user may have open.
   */
  abstract readonly uploads: { maxBytes: number; expirySeconds: number; sessionsPerUser: number };
  /** Resumable uploads at /api/uploads: `lockPoolSize` PostgreSQL connections hold their locks (one per request in flight). */
  abstract readonly tus: { lockPoolSize: number };
  /**
   * The orphan sweeper: bytes and upload rows nothing references are removed once `minAgeSeconds` old; it runs every
   * `sweepIntervalSeconds` (0: never on its own).
   */
  abstract readonly orphans: { minAgeSeconds: number; sweepIntervalSeconds: number };
  /** Default per-user limits (QUOTA_BYTES_PER_USER, QUOTA_FILES_PER_USER); undefined: unlimited. Users may override. */
  abstract readonly quotas: { bytesPerUser?: number; filesPerUser?: number };
  /** `cacheControl`: the Cache-Control of file downloads (`private` by default: files are per-user). */
  abstract readonly downloads: { cacheControl: string };
  abstract readonly storage: {
    driver: StorageDriver;
    s3?: S3Settings;
    /** Authorised downloads answer 302 to a short-lived presigned URL of the object store (S3 only). */
    presignedDownloads: boolean;
  };
  /** REDIS_URL: counters every instance shares (rate limits, failed logins); unset: each process counts alone. */
  abstract readonly redis?: { url: string; keyPrefix: string };
  /** docs/rate-limits.md */
  abstract readonly limits: {
    /** Requests per minute per user (per client address when anonymous); unset: no limit. */
    requestsPerMinute?: number;
    /** Failed logins allowed per account and per client address within the window; 0: that count is off. */
    loginFailuresPerAccount: number;
    loginFailuresPerAddress: number;
    loginFailureWindowSeconds: number;
    /** Hashes that may wait for a hashing slot before logins are refused with 503. */
    passwordHashMaxWaiting: number;
  };
  abstract readonly log: { level: string };
  /**
   * Prometheus metrics, off unless one is set: `token` guards GET /metrics on the main port (Bearer), `port` opens a
   * second, unauthenticated server serving only /metrics.
   */
  abstract readonly metrics: { token?: string; port?: number };
  /** The audit trail: `retentionDays` old entries are pruned every `pruneIntervalSeconds` (0: never on its own). */
  abstract readonly audit: { enabled: boolean; retentionDays: number; pruneIntervalSeconds: number };
  /**
   * Signed webhooks (docs/webhooks.md): none when `urls` is empty. A failed delivery is retried after `retryBaseMs`,
   * doubling up to an hour, `maxAttempts` times in all. Ended deliveries older than `retentionDays` are pruned every
   * `pruneIntervalSeconds` (0: never on its own).
   */
  abstract readonly webhooks: {
    urls: string[];
    secret?: string;
    pollIntervalMs: number;
    retryBaseMs: number;
    maxAttempts: number;
    timeoutMs: number;
    retentionDays: number;
    pruneIntervalSeconds: number;
  };
}
