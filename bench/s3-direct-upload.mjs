// The S3 pair's other side: one upload of <size> bytes straight to the S3 server with @aws-sdk/lib-storage (its
// default part size and queue), the body made from a reused 1 MiB buffer as the HTTP client's is. Prints one JSON
// line: seconds and the process's peak RSS.
// Usage: node bench/s3-direct-upload.mjs <endpoint> <bucket> <key> <size>
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';

const [endpoint, bucket, key, sizeText] = process.argv.slice(2);
const size = Number(sizeText);
const chunk = Buffer.alloc(1024 * 1024, 'stowage-bench-');
let sent = 0;
const body = new Readable({
  highWaterMark: chunk.length,
  read() {
    if (sent >= size) return this.push(null);
    const n = Math.min(chunk.length, size - sent);
    sent += n;
    this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
  },
});
const client = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const started = process.hrtime.bigint();
await new Upload({ client, params: { Bucket: bucket, Key: key, Body: body } }).done();
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
console.log(JSON.stringify({ seconds, peakRss: hwm }));
