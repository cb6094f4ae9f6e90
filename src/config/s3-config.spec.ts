import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError } from './env.validation.js';
import { loadConfig } from './load-config.js';

describe('S3 settings', () => {
  it('requires S3_BUCKET when STORAGE_DRIVER=s3, naming it', () => {
    expect(() => loadConfig({ STORAGE_DRIVER: 's3' })).toThrow(ConfigValidationError);
    expect(() => loadConfig({ STORAGE_DRIVER: 's3' })).toThrow(/S3_BUCKET is required when STORAGE_DRIVER=s3/);
    // docker-compose passes `S3_BUCKET=` through as an empty string: still missing.
    expect(() => loadConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: '' })).toThrow(/S3_BUCKET/);
  });

  it('ignores S3 settings for the local driver', () => {
    const config = loadConfig({ STORAGE_DRIVER: 'local' });
    expect(config.storage).toEqual({ driver: 'local', s3: undefined, presignedDownloads: false });
  });

  it('rejects an unknown driver, naming STORAGE_DRIVER', () => {
    expect(() => loadConfig({ STORAGE_DRIVER: 'ftp' })).toThrow(/STORAGE_DRIVER/);
  });

  it('builds the S3 settings, defaulting region and path-style addressing for a custom endpoint', () => {
    const config = loadConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'files', S3_ENDPOINT: 'http://minio:9000' });
    expect(config.storage.s3).toEqual({
      endpoint: 'http://minio:9000',
      bucket: 'files',
      region: 'us-east-1',
      accessKeyId: undefined,
      secretAccessKey: undefined,
      forcePathStyle: true,
    });
    const aws = loadConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'files', S3_REGION: 'eu-west-1', S3_FORCE_PATH_STYLE: 'false' });
    expect(aws.storage.s3).toMatchObject({ endpoint: undefined, region: 'eu-west-1', forcePathStyle: false });
  });
});
