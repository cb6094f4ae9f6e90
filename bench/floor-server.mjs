// The floor: the least the service must do, on bare node:http. Its figures are the practical limit of Node here;
// the service's ratio to them is its overhead (framework, auth, database, bookkeeping).
//   POST <any path>          body streamed to a temp file while hashing (sha256 + md5), fsync, rename, JSON answer
//   GET  /files/<id>         a small JSON (kept in memory, as a cached metadata row would be)
//   GET  /files/<id>?alt=media   the bytes, streamed back
// Usage: node bench/floor-server.mjs <dir> <port>   (prints "listening <port>" once ready)
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const [dir = './floor-data', port = '0'] = process.argv.slice(2);
mkdirSync(join(dir, 'tmp'), { recursive: true });
mkdirSync(join(dir, 'objects'), { recursive: true });
const files = new Map();

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function upload(req, res) {
  const id = randomBytes(16).toString('base64url');
  const temp = join(dir, 'tmp', `${id}.part`);
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  const digest = new Transform({
    transform(chunk, _encoding, callback) {
      size += chunk.length;
      sha256.update(chunk);
      md5.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    // flush: fsync before close, as the service does before it publishes a file.
    await pipeline(req, digest, createWriteStream(temp, { flags: 'wx', flush: true }));
    await rename(temp, join(dir, 'objects', id));
  } catch (error) {
    await rm(temp, { force: true });
    if (!res.headersSent) sendJson(res, 500, { error: String(error) });
    return;
  }
  const file = {
    id,
    filename: String(req.headers['x-molgenis-filename'] ?? 'unknown'),
    contentType: req.headers['content-type'] ?? 'application/octet-stream',
    size,
    sha256: sha256.digest('hex'),
    md5: md5.digest('hex'),
  };
  files.set(id, file);
  sendJson(res, 201, file);
}

function download(res, file) {
  res.writeHead(200, { 'Content-Type': file.contentType, 'Content-Length': file.size });
  pipeline(createReadStream(join(dir, 'objects', file.id)), res).catch(() => res.destroy());
}

createServer((req, res) => {
  if (req.method === 'POST') {
    upload(req, res);
    return;
  }
  const url = new URL(req.url, 'http://floor');
  const file = files.get(url.pathname.split('/').pop());
  if (req.method !== 'GET' || !file) sendJson(res, 404, { error: 'not found' });
  else if (url.searchParams.get('alt') === 'media') download(res, file);
  else sendJson(res, 200, file);
}).listen(Number(port), '127.0.0.1', function () {
  console.log(`listening ${this.address().port}`);
});
