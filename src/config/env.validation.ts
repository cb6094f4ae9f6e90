import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync, ValidateIf } from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;
const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value);

/** Every environment variable Stowage reads. Unknown variables are ignored. */
export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV?: 'development' | 'production' | 'test';

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  HOST?: string;

  @IsOptional()
  @Matches(/^(\*|https?:\/\/[^,\s/]+(\s*,\s*https?:\/\/[^,\s/]+)*)$/, {
    message: 'CORS_ORIGINS must be * or a comma-separated list of origins like https://app.example.com',
  })
  CORS_ORIGINS?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  DATA_DIR?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  DATABASE_MIGRATIONS_RUN?: boolean;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE?: number;

  @ValidateIf((env: EnvironmentVariables) => env.NODE_ENV === 'production' || env.JWT_SECRET !== undefined)
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters (it is required when NODE_ENV=production)' })
  JWT_SECRET?: string;

  @IsOptional()
  @Matches(/^\d+[smhd]?$/, { message: 'JWT_EXPIRES_IN must be seconds or a number with s, m, h or d (e.g. 3600, 15m, 1h)' })
  JWT_EXPIRES_IN?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._@-]{1,64}$/, { message: 'ADMIN_USERNAME must be 1-64 of A-Z a-z 0-9 . _ @ -' })
  ADMIN_USERNAME?: string;

  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'ADMIN_PASSWORD must be at least 8 characters' })
  ADMIN_PASSWORD?: string;

  /** Apply ADMIN_PASSWORD to the existing admin at start (recovering a lost password); needs ADMIN_PASSWORD. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean({ message: 'ADMIN_PASSWORD_RESET must be true or false' })
  ADMIN_PASSWORD_RESET?: boolean;

  /** Trust X-Hasura-User-Id / X-Hasura-Role on /v1/file (only behind a gateway that sets them; see docs/hasura-api.md). */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  HASURA_TRUST_HEADERS?: boolean;

  /** External identity provider (docs/access-control.md): when JWT_JWKS_URI is set, its issuer and audience must be too. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'JWT_JWKS_URI must be an http(s) URL' })
  JWT_JWKS_URI?: string;

  @ValidateIf((env: EnvironmentVariables) => env.JWT_JWKS_URI !== undefined || env.JWT_ISSUER !== undefined)
  @IsString({ message: 'JWT_ISSUER is required when JWT_JWKS_URI is set' })
  @MinLength(1, { message: 'JWT_ISSUER is required when JWT_JWKS_URI is set' })
  JWT_ISSUER?: string;

  @ValidateIf((env: EnvironmentVariables) => env.JWT_JWKS_URI !== undefined || env.JWT_AUDIENCE !== undefined)
  @IsString({ message: 'JWT_AUDIENCE is required when JWT_JWKS_URI is set' })
  @MinLength(1, { message: 'JWT_AUDIENCE is required when JWT_JWKS_URI is set' })
  JWT_AUDIENCE?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_:/-]+(\.[A-Za-z0-9_:/-]+)*$/, {
    message: 'JWT_ROLES_CLAIM must be a claim name or a dotted path (e.g. realm_access.roles)',
  })
  JWT_ROLES_CLAIM?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_:/-]+(\.[A-Za-z0-9_:/-]+)*$/, { message: 'JWT_USERNAME_CLAIM must be a claim name or a dotted path' })
  JWT_USERNAME_CLAIM?: string;

  /** Minimum seconds between two JWKS refetches triggered by an unknown key id. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86400)
  JWT_JWKS_COOLDOWN_SECONDS?: number;

  /** How long an IdP user's API tokens keep working after their last valid IdP token. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IDP_TOKEN_MAX_IDLE_SECONDS must be a whole number of seconds' })
  @Min(1, { message: 'IDP_TOKEN_MAX_IDLE_SECONDS must be a positive number of seconds' })
  IDP_TOKEN_MAX_IDLE_SECONDS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  MAX_UPLOAD_BYTES?: number;

  /** Lifetime of a console sign-in session (POST /api/auth/session), in seconds. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'SESSION_TTL_SECONDS must be a whole number of seconds from 60 to 30 days' })
  @Min(60, { message: 'SESSION_TTL_SECONDS must be a whole number of seconds from 60 to 30 days' })
  @Max(30 * 86400, { message: 'SESSION_TTL_SECONDS must be a whole number of seconds from 60 to 30 days' })
  SESSION_TTL_SECONDS?: number;

  /** The built web console the service serves at `/` (`npm run build` puts it in dist/console). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  CONSOLE_DIR?: string;

  /** Seconds an unfinished chunked upload (Appmixer /files) is kept after its last chunk. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(30 * 86400)
  UPLOAD_EXPIRY_SECONDS?: number;

  /** Unfinished chunked uploads (/files) one user may have open at once; one more is a 429. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  UPLOAD_SESSIONS_PER_USER?: number;

  /** PostgreSQL connections per instance that hold tus upload locks: one per tus request in progress. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'TUS_LOCK_POOL_SIZE must be a whole number from 1 to 500' })
  @Min(1, { message: 'TUS_LOCK_POOL_SIZE must be a whole number from 1 to 500' })
  @Max(500, { message: 'TUS_LOCK_POOL_SIZE must be a whole number from 1 to 500' })
  TUS_LOCK_POOL_SIZE?: number;

  /** A request body that sends nothing for this long is dropped (the socket's inactivity timeout). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'REQUEST_IDLE_TIMEOUT_SECONDS must be a whole number of seconds' })
  @Min(1, { message: 'REQUEST_IDLE_TIMEOUT_SECONDS must be at least 1' })
  @Max(86400, { message: 'REQUEST_IDLE_TIMEOUT_SECONDS must be at most 86400 (a day)' })
  REQUEST_IDLE_TIMEOUT_SECONDS?: number;

  /** A request's headers must all have arrived within this many seconds of its first byte. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'HEADERS_TIMEOUT_SECONDS must be a whole number of seconds' })
  @Min(1, { message: 'HEADERS_TIMEOUT_SECONDS must be at least 1' })
  @Max(3600, { message: 'HEADERS_TIMEOUT_SECONDS must be at most 3600' })
  HEADERS_TIMEOUT_SECONDS?: number;

  /** On SIGTERM, how long transfers in flight may take to finish before the process exits anyway. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'SHUTDOWN_GRACE_SECONDS must be a whole number of seconds' })
  @Min(0, { message: 'SHUTDOWN_GRACE_SECONDS must be 0 or more' })
  @Max(3600, { message: 'SHUTDOWN_GRACE_SECONDS must be at most 3600' })
  SHUTDOWN_GRACE_SECONDS?: number;

  /** Storage objects, temp files and upload rows without a file row are removed once this old (the orphan sweeper). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'ORPHAN_MIN_AGE_SECONDS must be a whole number of seconds' })
  @Min(1, { message: 'ORPHAN_MIN_AGE_SECONDS must be at least 1' })
  @Max(365 * 86400, { message: 'ORPHAN_MIN_AGE_SECONDS must be at most 31536000 (a year)' })
  ORPHAN_MIN_AGE_SECONDS?: number;

  /** Seconds between two sweeps for orphans; 0 turns the scheduled sweep off. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'SWEEP_INTERVAL_SECONDS must be a whole number of seconds' })
  @Min(0, { message: 'SWEEP_INTERVAL_SECONDS must be 0 (off) or more' })
  @Max(7 * 86400, { message: 'SWEEP_INTERVAL_SECONDS must be at most 604800 (a week)' })
  SWEEP_INTERVAL_SECONDS?: number;

  /** Default limit on the bytes one user's files take; unset: unlimited. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'QUOTA_BYTES_PER_USER must be a whole number of bytes' })
  @Min(0, { message: 'QUOTA_BYTES_PER_USER must be 0 or more' })
  @Max(Number.MAX_SAFE_INTEGER, { message: 'QUOTA_BYTES_PER_USER is too large' })
  QUOTA_BYTES_PER_USER?: number;

  /** Default limit on the number of files one user owns; unset: unlimited. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'QUOTA_FILES_PER_USER must be a whole number' })
  @Min(0, { message: 'QUOTA_FILES_PER_USER must be 0 or more' })
  @Max(Number.MAX_SAFE_INTEGER, { message: 'QUOTA_FILES_PER_USER is too large' })
  QUOTA_FILES_PER_USER?: number;

  // A header value: printable ASCII only, so it can never split a response.
  @IsOptional()
  @Matches(/^[\x20-\x7e]{1,200}$/, { message: 'CACHE_CONTROL must be a Cache-Control value of printable ASCII (e.g. private, max-age=60)' })
  CACHE_CONTROL?: string;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional()
  @IsIn(['local', 's3'])
  STORAGE_DRIVER?: 'local' | 's3';

  @IsOptional()
  @IsString()
  S3_ENDPOINT?: string;

  @ValidateIf((env: EnvironmentVariables) => env.STORAGE_DRIVER === 's3')
  @IsString({ message: 'S3_BUCKET is required when STORAGE_DRIVER=s3' })
  @MinLength(3, { message: 'S3_BUCKET is required when STORAGE_DRIVER=s3' })
  S3_BUCKET?: string;

  @IsOptional()
  @IsString()
  S3_REGION?: string;

  @IsOptional()
  @IsString()
  S3_ACCESS_KEY_ID?: string;

  @IsOptional()
  @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  S3_FORCE_PATH_STYLE?: boolean;

  /** Only with STORAGE_DRIVER=s3 (checked in validateEnv). */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  STORAGE_PRESIGNED_DOWNLOADS?: boolean;

  /** GET /metrics on the main port, for callers sending `Authorization: Bearer <METRICS_TOKEN>`. */
  @IsOptional()
  @Matches(/^[\x21-\x7e]{16,256}$/, { message: 'METRICS_TOKEN must be 16-256 printable ASCII characters without spaces' })
  METRICS_TOKEN?: string;

  /** A second HTTP server on this port serving only GET /metrics, unauthenticated (for a private network). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'METRICS_PORT must be a port number (1-65535)' })
  @Min(1, { message: 'METRICS_PORT must be a port number (1-65535)' })
  @Max(65535, { message: 'METRICS_PORT must be a port number (1-65535)' })
  METRICS_PORT?: number;

  /** Counters shared by every instance (rate limits, failed logins) live there; unset: in each process. */
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)' })
  REDIS_URL?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._:{}-]{1,64}$/, { message: 'REDIS_KEY_PREFIX must be 1-64 of A-Z a-z 0-9 . _ : { } -' })
  REDIS_KEY_PREFIX?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_PER_MINUTE must be a whole number of requests (unset: no limit)' })
  @Min(1, { message: 'RATE_LIMIT_PER_MINUTE must be at least 1 (unset it for no limit)' })
  @Max(1_000_000)
  RATE_LIMIT_PER_MINUTE?: number;

  /** 0 turns the per-account count off. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  LOGIN_MAX_FAILURES_PER_ACCOUNT?: number;

  /** 0 turns the per-address count off. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  LOGIN_MAX_FAILURES_PER_ADDRESS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  LOGIN_FAILURE_WINDOW_SECONDS?: number;

  /** Password hashes that may wait for one of the two hashing slots; more are refused with 503 at once. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000)
  PASSWORD_HASH_MAX_WAITING?: number;

  /** The audit trail (docs/audit.md): on unless set to false. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  AUDIT_ENABLED?: boolean;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'AUDIT_RETENTION_DAYS must be a whole number of days' })
  @Min(1, { message: 'AUDIT_RETENTION_DAYS must be at least 1' })
  @Max(36500, { message: 'AUDIT_RETENTION_DAYS must be at most 36500' })
  AUDIT_RETENTION_DAYS?: number;

  /** How often the audit retention job runs; 0: never on its own. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'AUDIT_PRUNE_INTERVAL_SECONDS must be a whole number of seconds' })
  @Min(0)
  @Max(7 * 86400)
  AUDIT_PRUNE_INTERVAL_SECONDS?: number;

  /** Receivers of the webhook events, comma-separated http(s) URLs. */
  @IsOptional()
  @Matches(/^https?:\/\/[^,\s]+(\s*,\s*https?:\/\/[^,\s]+)*$/, {
    message: 'WEBHOOK_URLS must be a comma-separated list of http:// or https:// URLs',
  })
  WEBHOOK_URLS?: string;

  /** The HMAC-SHA256 key of Stowage-Signature. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'WEBHOOK_SECRET must be at least 16 characters' })
  WEBHOOK_SECRET?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  WEBHOOK_POLL_INTERVAL_MS?: number;

  /** The first retry's delay; each next one doubles, up to an hour. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  WEBHOOK_RETRY_BASE_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  WEBHOOK_MAX_ATTEMPTS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(300_000)
  WEBHOOK_TIMEOUT_MS?: number;

  /** Ended deliveries (delivered, or failed for good) older than this are pruned; pending ones never. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'WEBHOOK_RETENTION_DAYS must be a whole number of days' })
  @Min(1, { message: 'WEBHOOK_RETENTION_DAYS must be at least 1' })
  @Max(36500, { message: 'WEBHOOK_RETENTION_DAYS must be at most 36500' })
  WEBHOOK_RETENTION_DAYS?: number;

  /** How often the webhook retention job runs; 0: never on its own. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'WEBHOOK_PRUNE_INTERVAL_SECONDS must be a whole number of seconds' })
  @Min(0)
  @Max(7 * 86400)
  WEBHOOK_PRUNE_INTERVAL_SECONDS?: number;

  @IsOptional()
  @IsIn(['loopback', 'uniquelocal', 'linklocal', 'true', 'false'], {
    message: 'TRUST_PROXY must be loopback, uniquelocal, linklocal, true or false',
  })
  TRUST_PROXY?: string;
}

export class ConfigValidationError extends Error {
  override name = 'ConfigValidationError';
}

/** Validates the raw environment; throws one error that names every bad variable. */
export function validateEnv(raw: Record<string, string | undefined>): EnvironmentVariables {
  // Empty strings mean "unset" (docker-compose passes `VAR=` through as '').
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
  const env = plainToInstance(EnvironmentVariables, cleaned);
  const errors = validateSync(env, { skipMissingProperties: false, forbidUnknownValues: false });
  const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
  // Rules between variables, which decorators on one property do not express.
  if (env.STORAGE_PRESIGNED_DOWNLOADS === true && env.STORAGE_DRIVER !== 's3') {
    lines.push('  STORAGE_PRESIGNED_DOWNLOADS: needs STORAGE_DRIVER=s3 (local files cannot be presigned)');
  }
  if (env.METRICS_PORT !== undefined && env.METRICS_PORT === (env.PORT ?? 3000)) {
    lines.push('  METRICS_PORT: must differ from PORT (it is a second server, serving only /metrics)');
  }
  if (env.ADMIN_PASSWORD_RESET === true && env.ADMIN_PASSWORD === undefined) {
    lines.push('  ADMIN_PASSWORD_RESET: needs ADMIN_PASSWORD (the password to give the admin)');
  }
  if (env.WEBHOOK_URLS !== undefined && env.WEBHOOK_SECRET === undefined) {
    lines.push('  WEBHOOK_SECRET: needs to be set with WEBHOOK_URLS (every delivery is signed with it)');
  }
  if (lines.length > 0) {
    throw new ConfigValidationError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return env;
}
