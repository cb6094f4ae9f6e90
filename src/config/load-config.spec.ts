import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './load-config.js';

describe('loadConfig', () => {
  it('has working defaults with no configuration at all', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(3000);
    expect(config.database.url).toBeUndefined();
    expect(config.database.migrationsRun).toBe(true);
    expect(config.storage.driver).toBe('local');
    expect(config.auth.jwtExpiresInSeconds).toBe(3600);
    expect(config.dataDir).toMatch(/data$/);
  });

  it('parses numbers, booleans and durations', () => {
    const config = loadConfig({ PORT: '8080', MAX_UPLOAD_BYTES: '1024', DATABASE_MIGRATIONS_RUN: 'false', JWT_EXPIRES_IN: '15m' });
    expect(config.http.port).toBe(8080);
    expect(config.uploads.maxBytes).toBe(1024);
    expect(config.database.migrationsRun).toBe(false);
    expect(config.auth.jwtExpiresInSeconds).toBe(900);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).http.port).toBe(3000);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ JWT_EXPIRES_IN: 'forever' }, 'JWT_EXPIRES_IN'],
    [{ MAX_UPLOAD_BYTES: '-5' }, 'MAX_UPLOAD_BYTES'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD'],
    [{ STORAGE_DRIVER: 'ftp' }, 'STORAGE_DRIVER'],
    [{ STORAGE_DRIVER: 's3' }, 'S3_BUCKET'],
    [{ ORPHAN_MIN_AGE_SECONDS: '0' }, 'ORPHAN_MIN_AGE_SECONDS'],
    [{ ORPHAN_MIN_AGE_SECONDS: 'an hour' }, 'ORPHAN_MIN_AGE_SECONDS'],
    [{ SWEEP_INTERVAL_SECONDS: '-1' }, 'SWEEP_INTERVAL_SECONDS'],
    [{ QUOTA_BYTES_PER_USER: '1.5' }, 'QUOTA_BYTES_PER_USER'],
    [{ QUOTA_BYTES_PER_USER: '-1' }, 'QUOTA_BYTES_PER_USER'],
    [{ QUOTA_FILES_PER_USER: 'many' }, 'QUOTA_FILES_PER_USER'],
  ])('fails at boot naming the bad variable: %p', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`Invalid configuration:[\\s\\S]*${variable}`));
  });

  it('sweeps for orphans older than an hour every 15 minutes, and sets no quota, unless told otherwise', () => {
    expect(loadConfig({}).orphans).toEqual({ minAgeSeconds: 3600, sweepIntervalSeconds: 900 });
    expect(loadConfig({}).quotas).toEqual({ bytesPerUser: undefined, filesPerUser: undefined });
    const config = loadConfig({
      ORPHAN_MIN_AGE_SECONDS: '60',
      SWEEP_INTERVAL_SECONDS: '0',
      QUOTA_BYTES_PER_USER: '1048576',
      QUOTA_FILES_PER_USER: '0',
    });
    expect(config.orphans).toEqual({ minAgeSeconds: 60, sweepIntervalSeconds: 0 });
    expect(config.quotas).toEqual({ bytesPerUser: 1048576, filesPerUser: 0 });
  });

  it('accepts production with a real secret', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).nodeEnv).toBe('production');
  });
});

describe('loadConfig: rules between variables', () => {
  it('presigned downloads need the S3 driver', () => {
    expect(() => loadConfig({ STORAGE_PRESIGNED_DOWNLOADS: 'true' })).toThrow(/STORAGE_PRESIGNED_DOWNLOADS: needs STORAGE_DRIVER=s3/);
    expect(loadConfig({ STORAGE_PRESIGNED_DOWNLOADS: 'true', STORAGE_DRIVER: 's3', S3_BUCKET: 'files' }).storage.presignedDownloads).toBe(
      true,
    );
    expect(loadConfig({}).storage.presignedDownloads).toBe(false);
  });

  it('TRUST_PROXY: loopback by default, booleans and Express presets accepted', () => {
    expect(loadConfig({}).http.trustProxy).toBe('loopback');
    expect(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'uniquelocal' }).http.trustProxy).toBe('uniquelocal');
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/);
  });
});
