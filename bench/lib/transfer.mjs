// Large uploads and downloads over plain node:http, the same client for the service and the floor.
import { open } from 'node:fs/promises';
import { request } from 'node:http';
import { Readable } from 'node:stream';

const CHUNK = Buffer.alloc(1024 * 1024, 'stowage-bench-');

/** `size` bytes from one reused 1 MiB buffer: the client spends next to nothing making the body. */
function body(size, onProgress) {
  let sent = 0;
  return new Readable({
    highWaterMark: CHUNK.length,
    read() {
      if (sent >= size) return this.push(null);
      const n = Math.min(CHUNK.length, size - sent);
      sent += n;
      onProgress(sent);
      this.push(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
    },
  });
}

/** Prints a line at every quarter of a long transfer. */
function progress(label, size) {
  let next = 0.25;
  return (done) => {
    if (size < 256 * 1024 ** 2 || done / size < next) return;
    process.stdout.write(`    ${label}: ${Math.round(next * 100)}%\n`);
    next += 0.25;
  };
}

function send(url, options, payload) {
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      const chunks = [];
      let bytes = 0;
      res.on('data', (c) => {
        bytes += c.length;
        if (options.collect) chunks.push(c);
        options.onData?.(bytes);
      });
      res.on('end', () => resolve({ status: res.statusCode, bytes, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (payload) payload.pipe(req);
    else req.end();
  });
}

/** Uploads `size` bytes; returns seconds taken and the id the server gave. */
export async function uploadLarge(url, headers, size, label) {
  const started = process.hrtime.bigint();
  const res = await send(
    url,
    { method: 'POST', headers: { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': size }, collect: true },
    body(size, progress(label, size)),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (res.status !== 201) throw new Error(`${label}: upload answered ${res.status}: ${res.text.slice(0, 300)}`);
  return { seconds, id: JSON.parse(res.text).id };
}

/** Downloads and discards; returns seconds taken. */
export async function downloadLarge(url, headers, size, label) {
  const started = process.hrtime.bigint();
  const res = await send(url, { method: 'GET', headers, onData: progress(label, size) });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (res.status !== 200 || res.bytes !== size)
    throw new Error(`${label}: download answered ${res.status} with ${res.bytes} of ${size} bytes`);
  return { seconds };
}

/** Reads a file once so that a download round starts from the page cache on both sides alike. */
export async function warmFile(path) {
  const handle = await open(path, 'r');
  const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
  try {
    while ((await handle.read(buffer, 0, buffer.length, null)).bytesRead > 0);
  } finally {
    await handle.close();
  }
}
