import {
  CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { PartBufferPool } from './part-buffer-pool.js';

const SMALL_BODY_BYTES = 1024 * 1024;

export interface MultipartUploadTarget {
  client: S3Client;
  bucket: string;
  key: string;
  /** Parts sent at once; one more fills from the body meanwhile. */
  queueSize: number;
  /** Where part buffers come from and go back to; its part size is the upload's. */
  parts: PartBufferPool;
  /** Bodies up to this size (and the part size) are gathered as they come and sent in one PUT, without a part buffer. */
  smallBodyBytes?: number;
}

/**
 * Streams a body into one S3 object: a single PUT when it fits in one part, else a multipart upload with up to
 * `queueSize` parts in flight. The body is copied into pooled part buffers (lib-storage's Upload concatenates a new
 * buffer per part, which lingers as garbage), so an upload holds at most (queueSize + 1) parts. While every slot is
 * busy the body is not read, which pushes back on the client.
 *
 * On failure `upload()` stops the parts in flight, waits for them to settle and rethrows; aborting the multipart
 * upload (`uploadId`) is left to the caller, which also has to remove the body's other traces.
 */
export class MultipartUpload {
  /** Set once S3 has started a multipart upload. */
  uploadId: string | undefined;
  private readonly completed: CompletedPart[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopParts = new AbortController();
  private failure: { error: unknown } | undefined;

  constructor(private readonly target: MultipartUploadTarget) {}

  async upload(body: Readable): Promise<void> {
    try {
      await this.sendBody(body);
    } catch (error) {
      this.failure ??= { error };
      this.stopParts.abort();
      await Promise.all(this.inFlight);
      throw this.failure.error;
    }
  }

  private async sendBody(body: Readable): Promise<void> {
    const { parts, smallBodyBytes = SMALL_BODY_BYTES } = this.target;
    const smallLimit = Math.min(smallBodyBytes, parts.partSize);
    // Most files are small: their chunks are kept as they come, so they never hold (or make V8 count) a whole part.
    let small: Buffer[] | undefined = [];
    let smallBytes = 0;
    let buffer: Buffer | undefined;
    let filled = 0;
    let partNumber = 1;
    const append = async (chunk: Buffer): Promise<void> => {
      buffer ??= parts.take();
      for (let offset = 0; offset < chunk.length;) {
        // A full part is sent only once more bytes come: a body of exactly one part stays a single PUT.
        if (filled === buffer.length) {
          const full = buffer;
          buffer = parts.take();
          filled = 0;
          await this.sendPart(partNumber++, full, full.length);
        }
        const copied = chunk.copy(buffer, filled, offset);
        offset += copied;
        filled += copied;
      }
    };
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        if (!small) await append(chunk);
        else if ((smallBytes += chunk.length) <= smallLimit) small.push(chunk);
        else {
          const gathered = [...small, chunk];
          small = undefined;
          for (const each of gathered) await append(each);
        }
      }
    } catch (error) {
      if (buffer) parts.give(buffer);
      throw error;
    }
    if (small) return this.putWhole(Buffer.concat(small, smallBytes));
    if (partNumber === 1) return this.putWhole(buffer!.subarray(0, filled), buffer);
    await this.sendPart(partNumber, buffer!, filled);
    await this.complete();
  }

  /** Starts one part (its buffer goes back to the pool once it settles), then waits until a slot is free. */
  private async sendPart(partNumber: number, buffer: Buffer, length: number): Promise<void> {
    const { client, bucket, key, queueSize, parts } = this.target;
    try {
      this.uploadId ??= (await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }))).UploadId;
    } catch (error) {
      parts.give(buffer);
      throw error;
    }
    const part = client
      .send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: this.uploadId,
          PartNumber: partNumber,
          Body: buffer.subarray(0, length),
        }),
        { abortSignal: this.stopParts.signal },
      )
      .then(({ ETag }) => {
        if (!ETag) throw new Error(`S3 returned no ETag for part ${partNumber} of ${key}`);
        this.completed.push({ PartNumber: partNumber, ETag });
      })
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        parts.give(buffer);
        this.inFlight.delete(part);
      });
    this.inFlight.add(part);
    while (this.inFlight.size >= queueSize && !this.failure) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure.error;
  }

  /** One PUT of `body`; `pooled`, the part buffer it lies in if any, goes back to the pool afterwards. */
  private async putWhole(body: Buffer, pooled?: Buffer): Promise<void> {
    const { client, bucket, key, parts } = this.target;
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    } finally {
      if (pooled) parts.give(pooled);
    }
  }

  private async complete(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure.error;
    const { client, bucket, key } = this.target;
    const sorted = [...this.completed].sort((a, b) => a.PartNumber! - b.PartNumber!);
    await client.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId, MultipartUpload: { Parts: sorted } }),
    );
  }
}
