import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { MultipartUpload } from './multipart-upload.js';
import { PartBufferPool } from './part-buffer-pool.js';

const PART = 1024;

interface Sent {
  command: string;
  partNumber?: number;
  body?: Buffer;
  parts?: { PartNumber?: number }[];
}

/** Records what would reach S3; parts settle when `settle` says so (default: on the next tick). */
function fakeS3(settle: (partNumber: number, signal?: AbortSignal) => Promise<void> = () => new Promise((r) => setImmediate(r))) {
  const sent: Sent[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send = async (command: unknown, options?: { abortSignal?: AbortSignal }) => {
    if (command instanceof PutObjectCommand) {
      sent.push({ command: 'PutObject', body: Buffer.from(command.input.Body as Buffer) });
      return {};
    }
    if (command instanceof CreateMultipartUploadCommand) {
      sent.push({ command: 'CreateMultipartUpload' });
      return { UploadId: 'upload-1' };
    }
    if (command instanceof UploadPartCommand) {
      const partNumber = command.input.PartNumber!;
      // Copied now: the buffer goes back to the pool once the part settles.
      sent.push({ command: 'UploadPart', partNumber, body: Buffer.from(command.input.Body as Buffer) });
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        await settle(partNumber, options?.abortSignal);
      } finally {
        inFlight--;
      }
      return { ETag: `"etag-${partNumber}"` };
    }
    if (command instanceof CompleteMultipartUploadCommand) {
      sent.push({ command: 'CompleteMultipartUpload', parts: command.input.MultipartUpload?.Parts });
      return {};
    }
    throw new Error(`unexpected command ${(command as object).constructor.name}`);
  };
  return { client: { send } as unknown as S3Client, sent, maxInFlight: () => maxInFlight, inFlight: () => inFlight };
}

const SMALL = 100;

function uploadOf(client: S3Client, pool = new PartBufferPool(PART, 3), queueSize = 2) {
  return new MultipartUpload({ client, bucket: 'b', key: 'k', queueSize, parts: pool, smallBodyBytes: SMALL });
}

/** `data` in uneven chunks, as a socket delivers it. */
function chunked(data: Buffer, size = 300): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  return Readable.from(chunks);
}

describe('MultipartUpload', () => {
  it('sends a body of up to one part as a single PUT of exactly its bytes, even from a reused buffer', async () => {
    const pool = new PartBufferPool(PART, 3);
    const dirty = pool.take();
    dirty.fill(0xff);
    pool.give(dirty);
    // Small bodies skip the part buffer; larger ones go through the dirty one.
    for (const size of [0, 10, SMALL, SMALL + 1, PART - 1, PART]) {
      const s3 = fakeS3();
      const data = randomBytes(size);
      await uploadOf(s3.client, pool).upload(chunked(data, 40));
      expect(s3.sent.map((s) => s.command)).toEqual(['PutObject']);
      expect(s3.sent[0].body!.equals(data)).toBe(true);
    }
    expect(pool.take()).toBe(dirty);
  });

  it('splits a larger body into full parts and a short last one, completed in part order', async () => {
    const s3 = fakeS3((partNumber) => new Promise((r) => setTimeout(r, partNumber === 1 ? 20 : 1)));
    const data = randomBytes(3 * PART + 1);
    const upload = uploadOf(s3.client);
    await upload.upload(chunked(data));
    expect(upload.uploadId).toBe('upload-1');
    expect(s3.sent.map((s) => s.command)).toEqual([
      'CreateMultipartUpload',
      'UploadPart',
      'UploadPart',
      'UploadPart',
      'UploadPart',
      'CompleteMultipartUpload',
    ]);
    const parts = s3.sent.filter((s) => s.command === 'UploadPart');
    expect(parts.map((p) => p.body!.length)).toEqual([PART, PART, PART, 1]);
    expect(Buffer.concat(parts.map((p) => p.body!)).equals(data)).toBe(true);
    expect(s3.sent.at(-1)!.parts!.map((p) => p.PartNumber)).toEqual([1, 2, 3, 4]);
  });

  it('keeps at most queueSize parts in flight', async () => {
    const s3 = fakeS3(() => new Promise((r) => setTimeout(r, 2)));
    await uploadOf(s3.client, new PartBufferPool(PART, 4), 3).upload(chunked(randomBytes(20 * PART), 5000));
    expect(s3.maxInFlight()).toBe(3);
  });

  it('fails with the failing part, stops the parts in flight and waits for them before rejecting', async () => {
    const aborted: number[] = [];
    const s3 = fakeS3(async (partNumber, signal) => {
      if (partNumber === 2) {
        await new Promise((r) => setTimeout(r, 5));
        throw new Error('part 2 refused');
      }
      // The others hang until stopped.
      await new Promise<void>((_, reject) =>
        signal!.addEventListener('abort', () => setTimeout(() => (aborted.push(partNumber), reject(new Error('aborted'))), 5)),
      );
    });
    const upload = uploadOf(s3.client, new PartBufferPool(PART, 4), 3);
    await expect(upload.upload(chunked(randomBytes(10 * PART)))).rejects.toThrow('part 2 refused');
    expect(upload.uploadId).toBe('upload-1');
    expect(aborted.sort()).toEqual([1, 3]);
    expect(s3.inFlight()).toBe(0);
    expect(s3.sent.map((s) => s.command)).not.toContain('CompleteMultipartUpload');
  });

  it('fails with the body error when the client goes away', async () => {
    const s3 = fakeS3();
    const body = new Readable({ read() {} });
    body.push(randomBytes(2 * PART + 5));
    setTimeout(() => body.destroy(new Error('client went away')), 10);
    const upload = uploadOf(s3.client);
    await expect(upload.upload(body)).rejects.toThrow('client went away');
    expect(s3.inFlight()).toBe(0);
    expect(s3.sent.map((s) => s.command)).not.toContain('CompleteMultipartUpload');
  });
});
