// What this machine can do at most, measured at the start of a run so each figure can be read against it: hash
// speed per algorithm (one core), disk write with fsync on the scratch filesystem, and loopback TCP.
import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { log } from './stats.mjs';

const MiB = 1024 ** 2;
const seconds = (started) => Number(process.hrtime.bigint() - started) / 1e9;

function hashSpeed(algorithm, total = 512 * MiB) {
  const chunk = Buffer.alloc(MiB, 'stowage-limits-');
  const hash = createHash(algorithm);
  const started = process.hrtime.bigint();
  for (let done = 0; done < total; done += chunk.length) hash.update(chunk);
  hash.digest();
  return total / MiB / seconds(started);
}

async function diskWrite(dir, total = 512 * MiB) {
  const path = join(dir, 'limits-disk.bin');
  const chunk = Buffer.alloc(MiB, 'stowage-limits-');
  const file = await open(path, 'w');
  const started = process.hrtime.bigint();
  try {
    for (let done = 0; done < total; done += chunk.length) await file.write(chunk);
    await file.sync();
  } finally {
    await file.close();
  }
  const mbps = total / 1e6 / seconds(started);
  await rm(path, { force: true });
  return mbps;
}

/** One TCP connection over 127.0.0.1, sender and receiver in this process (so on at most two threads). */
function loopback(total = 2048 * MiB) {
  const chunk = Buffer.alloc(MiB, 'stowage-limits-');
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      let received = 0;
      socket.on('data', (c) => (received += c.length));
      socket.on('end', () => {
        server.close();
        resolve(received / 1e6 / seconds(started));
      });
    });
    let started;
    server.listen(0, '127.0.0.1', () => {
      const client = connect(server.address().port, '127.0.0.1');
      started = process.hrtime.bigint();
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!client.write(chunk)) return client.once('drain', pump);
        }
        client.end();
      };
      client.on('error', reject);
      pump();
    });
  });
}

export async function measureLimits(scratch) {
  const limits = {
    md5MiBps: hashSpeed('md5'),
    sha256MiBps: hashSpeed('sha256'),
    diskFsyncMBps: await diskWrite(scratch),
    loopbackMBps: await loopback(),
  };
  // Hashing both on one thread, one after the other, as the floor does: the floor's upload cannot pass this.
  limits.bothOneThreadMiBps = 1 / (1 / limits.md5MiBps + 1 / limits.sha256MiBps);
  log(
    `limits: md5 ${limits.md5MiBps.toFixed(0)} MiB/s, sha256 ${limits.sha256MiBps.toFixed(0)} MiB/s (both on one thread ` +
      `${limits.bothOneThreadMiBps.toFixed(0)}), disk write + fsync ${limits.diskFsyncMBps.toFixed(0)} MB/s, loopback ${limits.loopbackMBps.toFixed(0)} MB/s`,
  );
  return limits;
}
