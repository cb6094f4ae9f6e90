import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { startS3Server } from '../../../test/support/s3-server.js';
import { describeStorageContract } from '../storage-provider.contract.js';
import { createS3Client, S3StorageProvider } from './s3-storage.provider.js';

async function s3Store(bucket = 'contract') {
  const server = await startS3Server(bucket);
  const settings = {
    endpoint: server.endpoint,
    bucket,
    region: 'us-east-1',
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    forcePathStyle: true,
  };
  const client: S3Client = createS3Client(settings);
  return { server, client, settings, provider: new S3StorageProvider(client, bucket, server.endpoint) };
}

describeStorageContract('S3 (s3rver)', async () => {
  const { server, client, provider } = await s3Store();
  await provider.init();
  return {
    provider,
    keys: async () => {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: server.bucket }));
      return (listed.Contents ?? []).map((object) => object.Key!);
    },
    leftovers: async () => {
      const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: server.bucket }));
      return (listed.Uploads ?? []).map((upload) => `${upload.Key} (upload ${upload.UploadId})`);
    },
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
});

describe('S3StorageProvider (S3 only)', () => {
  it('fails init with a message naming the bucket and the settings to check', async () => {
    const { server, client, settings } = await s3Store('present');
    try {
      const provider = new S3StorageProvider(client, 'absent-bucket', settings.endpoint);
      await expect(provider.init()).rejects.toThrow(/S3 bucket 'absent-bucket'.*S3_ENDPOINT, S3_BUCKET/s);
      await expect(new S3StorageProvider(client, 'present', settings.endpoint).init()).resolves.toBeUndefined();
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('fails init naming the endpoint when nothing listens there', async () => {
    const client = createS3Client({
      endpoint: 'http://127.0.0.1:1',
      bucket: 'b',
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: 'x',
      secretAccessKey: 'y',
    });
    try {
      await expect(new S3StorageProvider(client, 'b', 'http://127.0.0.1:1').init()).rejects.toThrow(
        /http:\/\/127\.0\.0\.1:1.*S3_ENDPOINT/s,
      );
    } finally {
      client.destroy();
    }
  });

  it('signs a download URL that serves the object with the requested headers', async () => {
    const { server, client, provider } = await s3Store('presign');
    try {
      const { Readable } = await import('node:stream');
      const { newStorageKey } = await import('../storage-key.js');
      const key = newStorageKey();
      await provider.write(key, Readable.from([Buffer.from('hello presigned')]));
      const url = await provider.presignedUrl(key, 60, { contentType: 'text/plain', contentDisposition: 'attachment; filename="a.txt"' });
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('hello presigned');
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="a.txt"');
      expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('60');
      // A tampered URL is not tested: s3rver does not verify presigned signatures (docs/storage.md).
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
